"""How a scraped task's output is judged, read from its statement: tolerance, case, order, several answers.

Both sites state these with a few stock phrasings, mostly in the output section and the notes
(the input section and constraints are not read; the legend only for tolerance, case, and a plain
"if there are multiple answers"):

- a float tolerance ("absolute or relative error does not exceed $10^{-6}$", "... is at most
  $10^{-9}$", older pages' "10^{ - 6}"): tokens compared with it, integers still exactly;
- case ("You can output the answer in any case (upper or lower)"): tokens compared case-insensitively;
- order ("print the numbers in any order"): a generic checker that accepts any permutation of the
  expected tokens, or of the expected lines when the phrase speaks of lines;
- several valid answers ("If there are multiple answers, print any of them"): only a checker that
  knows the problem could judge that, so such a task is not kept (``needs_checker``).

Without any of these the output is compared token by token, exactly, as CodeContests does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sandbox.checkers import GENERIC
from scrapers.types import TaskPage

# Sections that describe the input: phrases there ("given in any order") say nothing of the output.
_INPUT_HEADINGS = re.compile(r"^\s*(input|constraints?|入力|制約)\b", re.I)
_OUTPUT_HEADINGS = re.compile(r"^\s*(output|出力)\b", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])|\n+")
_ERROR = re.compile(r"\b(absolute|relative)\b[^.]*?\berrors?\b|\berrors?\b[^.]*?\b(absolute|relative)\b", re.I)
_MINUS = r"[-−–]"
_TOLERANCES = (
    # 10^{-6}, 10^-6, 10^{ - 6}, 10-6 (a superscript flattened), 10 ^ { -6 }
    re.compile(r"(?:(\d+(?:\.\d+)?)\s*(?:\\cdot|\\times|×|·|\*)\s*)?10\s*\^?\s*\{?\s*" + _MINUS + r"\s*(\d+)\s*\}?"),
    re.compile(r"(\d+(?:\.\d+)?)\s*[eE]\s*" + _MINUS + r"\s*(\d+)"),
)
_DECIMAL = re.compile(r"\b(0\.0*[1-9]\d*)\b")
_ANY_CASE = re.compile(
    r"\bin any (?:letter )?(?:case|register)\b|\bin arbitrary (?:letter )?(?:case|register)\b|\bcase[- ]insensitive"
    r"|\bany combination of (?:upper|lower)\s*(?:case|-case)?", re.I)
_ANY_ORDER = re.compile(r"\bin (?:any|arbitrary) order\b|\border (?:does not|doesn't) matter\b", re.I)
_MANY = r"\b(?:multiple|several|many|more than one|two or more)\b[^.]*?\b(?:answers?|solutions?|ways|outputs?|" \
    r"possibilit(?:y|ies)|candidates?|options?|choices?|sequences?|arrays?|permutations?|strings?|pairs?|sets?|" \
    r"orders?|orderings?|\w+ that satisfy)\b"
_SEVERAL = re.compile(
    r"\b(?:if|when|in case|where)\b[^.]*?" + _MANY + r"|" + _MANY + r"[^.]*?\b(?:exist|are possible|are valid)\b"
    r"|\b(?:print|output|find|choose|report) any\b|\bany (?:one )?of them\b|\bany (?:valid|correct|such|possible) "
    r"(?:answer|solution|one)\b|\bany of (?:the )?(?:answers|solutions)\b", re.I)
# In the legend ("choose any of them and delete it") only the plain statement of several answers counts.
_SEVERAL_ANSWERS = re.compile(r"\b(?:if|when|in case)\b[^.]*?\b(?:multiple|several|many|more than one|two or more)\b"
                              r"[^.]*?\b(?:answers|solutions)\b", re.I)
_ORDER_WORD = re.compile(r"\border(?:s|ings?)?\b", re.I)


@dataclass(frozen=True)
class Judging:
    """How outputs are compared: a test ``compare`` mode with its tolerance and case flag, or a checker.

    ``needs_checker`` is set (with the phrase that says so) when only a problem-specific checker
    could judge the output; such a task is rejected.
    """

    compare: str = "tokens"
    rel_tol: float = 0.0
    abs_tol: float = 0.0
    ignore_case: bool = False
    checker_name: str = ""
    needs_checker: str = ""

    @property
    def checker(self) -> str:
        """The checker's source, or "" where tests compare by tokens."""
        return GENERIC[self.checker_name] if self.checker_name else ""

    def meta(self) -> dict:
        """What the problem's ``meta`` records of it."""
        data: dict = {"compare": self.compare}
        if self.rel_tol or self.abs_tol:
            data.update(rel_tol=self.rel_tol, abs_tol=self.abs_tol)
        if self.ignore_case:
            data["ignore_case"] = True
        if self.checker_name:
            data["checker"] = self.checker_name
        return data


def _output_texts(page: TaskPage) -> tuple[list[str], list[str]]:
    """(the output sections and notes, the other sections but those about the input)."""
    output = [text for heading, text in page.sections if _OUTPUT_HEADINGS.match(heading)]
    other = [text for heading, text in page.sections
             if not _OUTPUT_HEADINGS.match(heading) and not _INPUT_HEADINGS.match(heading)]
    return output + [text for _, text in page.notes], other


def _sentences(texts: list[str]) -> list[str]:
    return [sentence.strip() for text in texts for sentence in _SENTENCE.split(text) if sentence.strip()]


def read_tolerance(sentence: str) -> float | None:
    """The tolerance a sentence states (``10^{-6}``, ``1e-6``, ``0.000001``), or None."""
    text = sentence.replace("$", " ").replace("\\,", "").replace("\\!", "")
    for pattern in _TOLERANCES:
        match = pattern.search(text)
        if match:
            mantissa = float(match.group(1)) if match.group(1) else 1.0
            return mantissa * 10.0 ** -int(match.group(2))
    decimal = _DECIMAL.search(text)
    return float(decimal.group(1)) if decimal else None


def _tolerance(sentences: list[str]) -> tuple[float, float]:
    """(rel_tol, abs_tol) from the first sentence about absolute or relative error that states a number."""
    for sentence in sentences:
        if not _ERROR.search(sentence):
            continue
        tolerance = read_tolerance(sentence)
        if tolerance is None or not 0 < tolerance < 1:
            continue
        lower = sentence.lower()
        absolute, relative = "absolute" in lower, "relative" in lower
        return (tolerance if relative else 0.0), (tolerance if absolute else 0.0)
    return 0.0, 0.0


def judging_of(page: TaskPage) -> Judging:
    """How this task's outputs are to be judged, from its statement."""
    output, other = _output_texts(page)
    sentences, elsewhere = _sentences(output), _sentences(other)
    rel_tol, abs_tol = _tolerance(sentences + elsewhere)
    ignore_case = any(_ANY_CASE.search(sentence) for sentence in sentences + elsewhere)
    order, several = [], [sentence for sentence in elsewhere if _SEVERAL_ANSWERS.search(sentence)]
    for sentence in sentences:
        if _ANY_ORDER.search(sentence):
            order.append(sentence)
        elif _SEVERAL.search(sentence):  # several answers; several orders only when it says so
            (order if _ORDER_WORD.search(sentence) else several).append(sentence)
    if several:
        return Judging(needs_checker=several[0][:300])
    if order:
        name = "lines_any_order" if re.search(r"\blines?\b", order[0], re.I) else "multiset"
        return Judging(compare="checker", checker_name=name)
    return Judging(rel_tol=rel_tol, abs_tol=abs_tol, ignore_case=ignore_case)
