"""A base class over the context cap (200 lines): a class problem on its subclass keeps the base's
dunders and the members its code reaches, and the other methods stay out of the prompt. The base's own
methods are called only on objects of the subclass."""


class Locale:
    """Words for counts; subclasses fill ``words`` and ``suffixes``."""

    words = {}
    suffixes = ("th", "st", "nd", "rd")

    def __init__(self):
        self.calls = 0

    def __repr__(self):
        return f"{type(self).__name__}()"

    def suffix(self, n):
        """The ordinal suffix of n."""
        if n % 100 in (11, 12, 13):
            return self.suffixes[0]
        return self.suffixes[self._last(n)]

    def _last(self, n):
        return n % 10 if n % 10 < 4 else 0

    def spelled(self, n):
        """n in words where the locale knows it (a subclass's ``words``: as this class, it knows none)."""
        word = self.words.get(n)
        return word if word is not None else str(n)

    def phrase_00(self, n):
        """Phrase 0 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 0:
            return text + " and more"
        return text

    def phrase_01(self, n):
        """Phrase 1 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 1:
            return text + " and more"
        return text

    def phrase_02(self, n):
        """Phrase 2 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 2:
            return text + " and more"
        return text

    def phrase_03(self, n):
        """Phrase 3 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 3:
            return text + " and more"
        return text

    def phrase_04(self, n):
        """Phrase 4 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 4:
            return text + " and more"
        return text

    def phrase_05(self, n):
        """Phrase 5 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 5:
            return text + " and more"
        return text

    def phrase_06(self, n):
        """Phrase 6 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 6:
            return text + " and more"
        return text

    def phrase_07(self, n):
        """Phrase 7 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 7:
            return text + " and more"
        return text

    def phrase_08(self, n):
        """Phrase 8 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 8:
            return text + " and more"
        return text

    def phrase_09(self, n):
        """Phrase 9 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 9:
            return text + " and more"
        return text

    def phrase_10(self, n):
        """Phrase 10 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 10:
            return text + " and more"
        return text

    def phrase_11(self, n):
        """Phrase 11 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 11:
            return text + " and more"
        return text

    def phrase_12(self, n):
        """Phrase 12 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 12:
            return text + " and more"
        return text

    def phrase_13(self, n):
        """Phrase 13 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 13:
            return text + " and more"
        return text

    def phrase_14(self, n):
        """Phrase 14 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 14:
            return text + " and more"
        return text

    def phrase_15(self, n):
        """Phrase 15 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 15:
            return text + " and more"
        return text

    def phrase_16(self, n):
        """Phrase 16 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 16:
            return text + " and more"
        return text

    def phrase_17(self, n):
        """Phrase 17 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 17:
            return text + " and more"
        return text

    def phrase_18(self, n):
        """Phrase 18 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 18:
            return text + " and more"
        return text

    def phrase_19(self, n):
        """Phrase 19 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 19:
            return text + " and more"
        return text

    def phrase_20(self, n):
        """Phrase 20 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 20:
            return text + " and more"
        return text

    def phrase_21(self, n):
        """Phrase 21 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 21:
            return text + " and more"
        return text

    def phrase_22(self, n):
        """Phrase 22 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 22:
            return text + " and more"
        return text

    def phrase_23(self, n):
        """Phrase 23 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 23:
            return text + " and more"
        return text

    def phrase_24(self, n):
        """Phrase 24 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 24:
            return text + " and more"
        return text

    def phrase_25(self, n):
        """Phrase 25 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 25:
            return text + " and more"
        return text

    def phrase_26(self, n):
        """Phrase 26 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 26:
            return text + " and more"
        return text

    def phrase_27(self, n):
        """Phrase 27 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 27:
            return text + " and more"
        return text

    def phrase_28(self, n):
        """Phrase 28 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 28:
            return text + " and more"
        return text

    def phrase_29(self, n):
        """Phrase 29 of a count (never reached by the subclass's methods below)."""
        text = self.words.get(n, str(n))
        if n > 29:
            return text + " and more"
        return text


class English(Locale):
    """English words for small counts."""

    words = {1: "one", 2: "two", 3: "three"}

    def ordinal(self, n):
        """n with its English ordinal suffix: 1st, 2nd, 11th, 23rd."""
        if n < 0:
            raise ValueError("no ordinal of a negative number")
        return f"{n}{self.suffix(n)}"
