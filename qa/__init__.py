"""Hit -> Answer with Citations: the LangChain chain, composer, comparison and evaluation."""

from qa.chain import PassageRetriever, QAEngine, answer
from qa.types import Answer, Citation

__all__ = ["Answer", "Citation", "PassageRetriever", "QAEngine", "answer"]
