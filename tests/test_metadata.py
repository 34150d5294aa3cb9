"""What each response states about itself, checked value by value against the documents."""

from __future__ import annotations

from datetime import date

import pytest

from ingest.metadata import extract_metadata
from ingest.recommendations import clean_text, extract_recommendations

from .conftest import CORPUS

TITLE = "An inspection of how well the police tackle serious youth violence"
PUBLISHED = date(2023, 3, 8)
HOME_SECRETARY = "Home Secretary (Rt Hon Suella Braverman KC MP)"
REC_OUTCOME_22 = (
    "By 31 March 2024, chief constables should make sure their officers are trained in the use "
    "of Home Office crime outcome 22."
)
REC_DISPROPORTIONALITY = (
    "By 31 March 2024, chief constables should make sure their forces, through data collection "
    "and analysis, understand the levels of racial disproportionality in serious youth violence "
    "in their force areas."
)
REC_DEFINE_PROCESSES = (
    "By 31 March 2024, the Home Office should define processes for violence reduction units to "
    "use when evaluating the effectiveness of interventions designed to reduce serious youth "
    "violence."
)
REC_JOINT_EVALUATION = (
    "By 31 March 2024, the Home Office should further develop existing joint evaluation and "
    "learning for violence reduction units to share learning with each other."
)
REC_PROTECTED_CHARACTERISTICS = (
    "By March 2022, all police forces should ensure information on the protected "
    "characteristics of victims is accurately and consistently recorded."
)

SEEDS = {
    "cumbria-pcc-response-serious-youth-violence-2023.txt": {
        "force": "Cumbria",
        "force_name": "Cumbria Constabulary",
        "policing_body": "Police, Fire and Crime Commissioner for Cumbria",
        "inspection": TITLE,
        "published": PUBLISHED,
        "response_date": date(2023, 5, 3),
        "days_to_respond": 56,
        "within_56_days": True,
        "signatory": None,
        "addressee": None,
        "form": "response form",
    },
    "cambridgeshire-pcc-letter-serious-youth-violence-2023.txt": {
        "force": "Cambridgeshire",
        "force_name": "Cambridgeshire Constabulary",
        "policing_body": "Police and Crime Commissioner for Cambridgeshire and Peterborough",
        "inspection": TITLE,
        "published": PUBLISHED,
        "response_date": date(2023, 5, 2),
        "days_to_respond": 55,
        "within_56_days": True,
        "signatory": "Darryl Preston",
        "addressee": HOME_SECRETARY,
        "form": "letter",
    },
    "cleveland-pcc-response-form-serious-youth-violence-2023.txt": {
        "force": "Cleveland",
        "force_name": "Cleveland Police",
        "policing_body": "Police and Crime Commissioner for Cleveland",
        "inspection": "How Well the Police Tackle Serious Youth Violence",
        "published": PUBLISHED,
        "response_date": None,
        "days_to_respond": None,
        "within_56_days": None,
        "signatory": None,
        "addressee": None,
        "form": "response form",
    },
    "norfolk-pcc-response-serious-youth-violence-2023.txt": {
        "force": "Norfolk",
        "force_name": "Norfolk Constabulary",
        "policing_body": "Police and Crime Commissioner for Norfolk",
        "inspection": TITLE,
        "published": PUBLISHED,
        "response_date": None,
        "days_to_respond": None,
        "within_56_days": None,
        "signatory": None,
        "addressee": None,
        "form": "response form",
    },
    "west-mercia-pcc-letter-serious-youth-violence-2023.txt": {
        "force": "West Mercia",
        "force_name": "West Mercia Police",
        "policing_body": "Police and Crime Commissioner for West Mercia",
        "inspection": TITLE,
        "published": PUBLISHED,
        "response_date": date(2023, 4, 26),
        "days_to_respond": 49,
        "within_56_days": True,
        "signatory": "John Campion",
        "addressee": HOME_SECRETARY,
        "form": "letter",
    },
}

# (number, ref_id, addressee, text compared case-insensitively) per seed, in document order
SEED_RECOMMENDATIONS = {
    "cumbria-pcc-response-serious-youth-violence-2023.txt": [
        (1, "#25968", "forces", REC_OUTCOME_22),
        (2, "#26011", "forces", REC_DISPROPORTIONALITY),
    ],
    "cambridgeshire-pcc-letter-serious-youth-violence-2023.txt": [
        (1, None, "Home Office", REC_DEFINE_PROCESSES),
        (2, None, "Home Office", REC_JOINT_EVALUATION),
        (3, None, "forces", REC_OUTCOME_22),
        (4, None, "forces", REC_DISPROPORTIONALITY),
        (5, None, "forces", REC_PROTECTED_CHARACTERISTICS),
    ],
    "cleveland-pcc-response-form-serious-youth-violence-2023.txt": [
        (1, None, "Home Office", REC_DEFINE_PROCESSES),
        (2, None, "Home Office", REC_JOINT_EVALUATION),
        (3, None, "forces", REC_OUTCOME_22),
        (4, None, "forces", REC_DISPROPORTIONALITY),
    ],
    "norfolk-pcc-response-serious-youth-violence-2023.txt": [
        (3, None, "forces", REC_OUTCOME_22),
        (4, None, "forces", REC_DISPROPORTIONALITY),
    ],
    "west-mercia-pcc-letter-serious-youth-violence-2023.txt": [
        (
            None,
            None,
            "forces",
            "By 31 March 2024, Chief Constables should make sure their officers are trained in "
            "the use of outcome 22.",
        ),
        (None, None, "forces", REC_DISPROPORTIONALITY),
    ],
}


def _seed(file_name: str) -> str:
    return (CORPUS / file_name).read_text(encoding="utf-8")


@pytest.mark.parametrize("file_name", sorted(SEEDS))
def test_seed_metadata_value_by_value(file_name: str) -> None:
    metadata = extract_metadata(_seed(file_name), file_name)
    actual = {field: getattr(metadata, field) for field in SEEDS[file_name]}
    assert actual == SEEDS[file_name]


@pytest.mark.parametrize("file_name", sorted(SEEDS))
def test_seed_metadata_does_not_lean_on_the_file_name(file_name: str) -> None:
    assert extract_metadata(_seed(file_name)) == extract_metadata(_seed(file_name), file_name)


@pytest.mark.parametrize("file_name", sorted(SEED_RECOMMENDATIONS))
def test_seed_recommendations_each_once_with_number_and_reference(file_name: str) -> None:
    found = extract_metadata(_seed(file_name), file_name).recommendations
    actual = [(r.number, r.ref_id, r.addressee, r.text.lower()) for r in found]
    expected = [
        (n, ref, who, text.lower()) for n, ref, who, text in SEED_RECOMMENDATIONS[file_name]
    ]
    assert actual == expected


@pytest.mark.parametrize("file_name", sorted(SEED_RECOMMENDATIONS))
def test_recommendation_spans_point_at_the_quoted_words(file_name: str) -> None:
    text = _seed(file_name)
    for recommendation in extract_recommendations(text):
        assert clean_text(text[recommendation.char_start : recommendation.char_end]) == (
            recommendation.text
        )


def test_recommendation_text_drops_markdown_links_and_the_response_after_it() -> None:
    text = _seed("cleveland-pcc-response-form-serious-youth-violence-2023.txt")
    third = extract_recommendations(text)[2]
    assert "[outcome 22](#)" in text[third.char_start : third.char_end]
    assert third.text.endswith("Home Office crime outcome 22.")
    cumbria = extract_recommendations(_seed("cumbria-pcc-response-serious-youth-violence-2023.txt"))
    assert "defines outcome 22" not in cumbria[0].text


LETTER_TO_MINISTER = """Office of the Police, Fire and Crime Commissioner for Essex

Chris Philp MP
Minister of State for Crime, Policing and Fire

12 June 2024

Dear Minister,

Re: PEEL 2023–25: An inspection of Essex Police.

I write in response to the report published on 3 April 2024.

Recommendation 1: By 30 September 2024, the force should improve how it
records crime, so that victims get the service they need. The force has accepted this.

Yours faithfully,

Roger Hirst
Police, Fire and Crime Commissioner for Essex
"""


def test_synthetic_letter_to_a_minister() -> None:
    metadata = extract_metadata(LETTER_TO_MINISTER)
    assert metadata.force == "Essex"
    assert metadata.policing_body == "Police, Fire and Crime Commissioner for Essex"
    assert metadata.form == "letter"
    assert metadata.addressee == "Minister"
    assert metadata.signatory == "Roger Hirst"
    assert metadata.inspection == "PEEL 2023–25: An inspection of Essex Police"
    assert (metadata.published, metadata.response_date) == (date(2024, 4, 3), date(2024, 6, 12))
    assert (metadata.days_to_respond, metadata.within_56_days) == (70, False)
    [recommendation] = metadata.recommendations
    assert recommendation.number == 1
    assert recommendation.text == (
        "By 30 September 2024, the force should improve how it records crime, so that victims "
        "get the service they need."
    )


RESPONSE_FORM = """Police and Crime Commissioner for Kent: response form
Inspection Title: HMICFRS - PEEL 2023–25: An inspection of Kent Police
Date Published: 5 April 2024
Date of response: 12/06/2024

Recommendations:
- By 31 March 2025, chief constables should:
  - review their training; and
  - publish the results.
- Police and crime commissioners should hold chief constables to account.

For Office Use Only
"""


def test_synthetic_response_form_with_a_date_of_response() -> None:
    metadata = extract_metadata(RESPONSE_FORM)
    assert metadata.force == "Kent"
    assert metadata.form == "response form"
    assert metadata.inspection == "PEEL 2023–25: An inspection of Kent Police"
    assert (metadata.published, metadata.response_date) == (date(2024, 4, 5), date(2024, 6, 12))
    assert (metadata.signatory, metadata.addressee) == (None, None)
    assert [(r.addressee, r.text) for r in metadata.recommendations] == [
        (
            "forces",
            "By 31 March 2025, chief constables should: - review their training; and - "
            "publish the results.",
        ),
        ("PCCs", "Police and crime commissioners should hold chief constables to account."),
    ]


def test_document_naming_no_force_states_nothing_it_does_not_say() -> None:
    metadata = extract_metadata("Some notes about policing.\n\nNothing here is dated.")
    assert metadata.force is None
    assert metadata.force_name is None
    assert metadata.policing_body is None
    assert metadata.inspection is None
    assert metadata.published is None
    assert metadata.response_date is None
    assert metadata.signatory is None
    assert metadata.addressee is None
    assert metadata.form == "other"
    assert metadata.recommendations == ()


def test_two_forces_named_equally_leave_the_force_unknown() -> None:
    assert extract_metadata("Surrey and Sussex agreed a joint approach.").force is None


def test_response_published_on_is_not_the_report_publication_date() -> None:
    text = "This response was published on 2 June 2023 after the report published on 8 March 2023."
    assert extract_metadata(text).published == PUBLISHED


def test_numbered_recommendations_are_never_merged_however_alike() -> None:
    text = "1. By March 2023, forces should do X.\n2. By March 2023, forces should do Y.\n"
    assert [r.number for r in extract_recommendations(text)] == [1, 2]


def test_pdf_wrapped_recommendation_is_followed_to_its_full_stop() -> None:
    text = (
        "Recommendation 2\nBy 31 March 2024, the Home Office should further develop existing\n"
        "joint evaluation and learning.\nThe force notes this.\n"
    )
    [recommendation] = extract_recommendations(text)
    assert recommendation.number == 2
    assert recommendation.text == (
        "By 31 March 2024, the Home Office should further develop existing joint evaluation and "
        "learning."
    )


@pytest.mark.parametrize(
    ("text", "addressee"),
    [
        ("Dear Minister\n\nText.", "Minister"),
        (
            "The Rt Hon James Cleverly MP\nHome Secretary\n\n1 June 2024\n\nDear James,\n\nText.",
            "Home Secretary (The Rt Hon James Cleverly MP)",
        ),
        ("Rt Hon Chris Philp MP\n\nDear Sir/Madam\n\nText.", "Rt Hon Chris Philp MP"),
        ("Dear Sir/Madam\n\nText.", None),
        ("Response form without a salutation.", None),
    ],
)
def test_addressee_pairs_the_salutation_with_the_named_recipient(text: str, addressee) -> None:
    assert extract_metadata(text).addressee == addressee


@pytest.mark.parametrize(
    ("text", "signatory"),
    [
        (
            "Dear X\n\nYours sincerely,\n\n![signature](s.png)\n\n**Lisa Townsend**\n",
            "Lisa Townsend",
        ),
        (
            "Text.\n\nKind regards\n\nDr Alan Billings\nPolice and Crime Commissioner",
            "Dr Alan Billings",
        ),
        ("Yours sincerely\n\nA handwritten signature reading 'Jane Mudd'.\n", "Jane Mudd"),
        ("Inspection Title: PEEL\nSigned: Jane Mudd\n", "Jane Mudd"),
        ("Yours sincerely\n\nPolice and Crime Commissioner for Gwent\n", None),
    ],
)
def test_signatory_is_a_plain_name_line_before_any_signature_description(
    text: str, signatory
) -> None:
    assert extract_metadata(text).signatory == signatory


@pytest.mark.parametrize(
    ("text", "inspection"),
    [
        (
            "Response to HMICFRS report: PEEL 2021/22 – An inspection of Kent Police\n",
            "PEEL 2021/22 – An inspection of Kent Police",
        ),
        ("Re: HMICFRS – The police response to burglary.\n", "The police response to burglary"),
        (
            "This is my response to the report entitled “Police response to stalking”.",
            "Police response to stalking",
        ),
        ("Report: https://www.justiceinspectorates.gov.uk/hmicfrs/\n", None),
    ],
)
def test_inspection_title_comes_from_subject_lines_and_quotes(text: str, inspection) -> None:
    assert extract_metadata(text).inspection == inspection


def test_form_fields_in_a_word_table_are_read() -> None:
    """The DOCX loader renders table rows as 'label | value'."""
    text = (
        "Police, Fire and Crime Commissioner for Essex: response to HMICFRS\n\n"
        "Inspection title | PEEL 2023–25: An inspection of Essex Police\n"
        "Date published | 12 September 2023\n"
        "Date of response | 30 October 2023\n"
        "Signed | Roger Hirst\n"
    )
    meta = extract_metadata(text, "essex.docx")
    assert meta.force == "Essex"
    assert meta.inspection == "PEEL 2023–25: An inspection of Essex Police"
    assert meta.signatory == "Roger Hirst"
    assert (meta.published, meta.response_date) == (date(2023, 9, 12), date(2023, 10, 30))


# Letters whose subject and signatory are in plain lines, as PDFs and Word files give them ------

ESSEX_LETTER = (
    "Office of the Police, Fire and Crime Commissioner for Essex\n"
    "PCC response to the HMICFRS inspection of vetting, misconduct and misogyny in the police "
    "service\n"
    "12 January 2023\n"
    "Dear Home Secretary\n"
    "I write in response to the report, published on 2 November 2022. Essex Police accepts every "
    "recommendation and has begun the work they ask for.\n"
    "Yours sincerely\n"
    "Roger Hirst\n"
    "Police, Fire and Crime Commissioner for Essex"
)


@pytest.mark.parametrize(
    ("opening", "inspection"),
    [
        (
            "PCC response to the HMICFRS inspection of vetting, misconduct and misogyny in the "
            "police service",
            "An inspection of vetting, misconduct and misogyny in the police service",
        ),
        (
            "HMICFRS inspection into activism and impartiality in policing – PFCC response",
            "An inspection into activism and impartiality in policing",
        ),
        (
            "Response to HMICFRS report 'Police response to violence against women and girls'",
            "Police response to violence against women and girls",
        ),
        (
            "Subject - Response to HMICFRS Report on the Police Response to Burglary",
            "The Police Response to Burglary",
        ),
    ],
)
def test_inspection_named_in_a_letters_opening_lines(opening: str, inspection: str) -> None:
    text = ESSEX_LETTER.replace(ESSEX_LETTER.splitlines()[1], opening)
    assert extract_metadata(text, "essex.pdf").inspection == inspection


def test_a_series_heading_or_the_letters_prose_is_not_a_title() -> None:
    text = (
        "Norfolk PCC response to inspections of Norfolk Constabulary published by HMICFRS\n"
        "Dear Home Secretary\n"
        "The inspection of 12 forces and the subsequent national report examined the police "
        "response to serious youth violence in detail.\n"
    )
    assert extract_metadata(text, "norfolk.txt").inspection is None


def test_pdf_letter_with_its_subject_on_the_second_line(tmp_path) -> None:
    """The issue's case: a PDF letter read through the real loader, hard line breaks and all."""
    from ingest.loaders import load_file

    from .conftest import write_pdf

    pdf = write_pdf(tmp_path / "essex-letter.pdf", (ESSEX_LETTER,))
    meta = extract_metadata(load_file(pdf).text, pdf.name)
    assert meta.force == "Essex"
    assert meta.inspection == (
        "An inspection of vetting, misconduct and misogyny in the police service"
    )
    assert meta.signatory == "Roger Hirst"
    assert meta.form == "letter"


def test_signatory_on_the_sign_off_line() -> None:
    text = "Dear Home Secretary,\nText.\nYours sincerely, Roger Hirst, Police, Fire and Crime "
    assert extract_metadata(text + "Commissioner for Essex").signatory == "Roger Hirst"


def test_inspection_wordings_grouped_under_one_name() -> None:
    from ingest.metadata import canonical_inspections

    cleveland = "How Well the Police Tackle Serious Youth Violence"
    names = canonical_inspections([cleveland, TITLE, TITLE, f"HMICFRS – {TITLE}."])
    assert set(names.values()) == {TITLE}
    other = "PEEL 2023–25: An inspection of Essex Police"
    assert canonical_inspections([other, TITLE])[other] == other


def test_a_quote_never_runs_on_into_the_signature() -> None:
    from ingest.sentences import split_sentences

    text = "Progress goes to my Performance Board\nYours sincerely, Matthew Scott, Commissioner"
    assert [s.text for s in split_sentences(text)] == ["Progress goes to my Performance Board"]
