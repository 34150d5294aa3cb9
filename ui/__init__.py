"""Answer -> people: the `pccqa` CLI and the Gradio web UI, sharing ui.format."""

__all__: list[str] = []
