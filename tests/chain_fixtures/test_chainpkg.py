"""A suite for chainpkg whose tests build chains; run as a script (``python test_chainpkg.py``)."""

import gc
import weakref

from chainpkg import calc

EXPRESSIONS = ["1 + 2 * 3", "(1 + 2) * 3", "10 / 4 - 1", "2 * (3 + 4) * 5", "1200 * 3 - 0.5", "2 - 7 * 3"]
VECTORS = [("3, 4", 2), ("1,1", 3), ("0.5, 1.5", 4), ("-6, 8", 0.5), ("2,0", 10)]


def test_pipeline():
    for text in EXPRESSIONS:
        tokens = calc.tokenize(text)
        postfix = calc.to_postfix(tokens)
        value = calc.evaluate(postfix)
        assert calc.Formatter(2, "m").render(value).endswith("m")


def test_vectors():
    for text, factor in VECTORS:
        assert calc.Vector.parse(text).scaled(factor).length() >= 0


def test_normalised_vectors():
    for text, factor in VECTORS:
        assert calc.normalised(text).scaled(factor).length() >= 0


def test_described_vectors():
    for text, factor in VECTORS:
        assert calc.describe(calc.Vector.parse(text).scaled(factor)).startswith("(")


def test_one_ruler_measures_and_labels():
    ruler = calc.Ruler(10.16, "hand")
    for centimetres in (35, 10.5, 3, 100):
        assert "cm" in ruler.label(ruler.measure(centimetres))


def test_copies_break_the_chain():
    tokens = calc.tokenize("3 * 3")
    assert calc.to_postfix(list(tokens)) == ["3", "3", "*"]  # a copy: no link


def test_independent_calls():
    assert calc.double(4) == 8 and calc.tokenize("1+1") == ["1", "+", "1"]


def test_objects_are_not_kept_alive():
    formatter = calc.Formatter(1)
    formatter.render(calc.evaluate(["2", "3", "*"]))
    ref = weakref.ref(formatter)
    del formatter
    gc.collect()
    assert ref() is None, "the tracer kept an object of the suite alive"


def test_many_calls():
    value = calc.evaluate(["1"])
    for _ in range(40):
        value = calc.double(value)
    assert value == 2.0 ** 40


if __name__ == "__main__":
    for name, test in sorted(globals().items()):
        if name.startswith("test_") and callable(test):
            test()
