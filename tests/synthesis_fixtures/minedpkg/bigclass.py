"""A class over 400 lines: a class problem keeps what its target reaches, and, still too large, only what
the target and the constructor reach and the dunders of the operators they use."""


class Tally:
    """Counts of words, with many views of them."""

    def __init__(self, words):
        self.counts = {}
        for word in words:
            self.counts[word] = self.counts.get(word, 0) + 1

    def __getitem__(self, word):
        return self.counts.get(word, 0)

    def __repr__(self):
        views = [
            self.view_00(),
            self.view_01(),
            self.view_02(),
            self.view_03(),
            self.view_04(),
            self.view_05(),
            self.view_06(),
            self.view_07(),
            self.view_08(),
            self.view_09(),
            self.view_10(),
            self.view_11(),
            self.view_12(),
            self.view_13(),
            self.view_14(),
            self.view_15(),
            self.view_16(),
            self.view_17(),
            self.view_18(),
            self.view_19(),
            self.view_20(),
            self.view_21(),
            self.view_22(),
            self.view_23(),
            self.view_24(),
            self.view_25(),
            self.view_26(),
            self.view_27(),
            self.view_28(),
            self.view_29(),
            self.view_30(),
            self.view_31(),
            self.view_32(),
            self.view_33(),
            self.view_34(),
            self.view_35(),
            self.view_36(),
            self.view_37(),
            self.view_38(),
            self.view_39(),
        ]
        return "Tally(" + ", ".join(views) + ")"

    def top(self, n):
        """The ``n`` most common words, the most common first, ties in alphabetical order."""
        ranked = sorted(self.counts, key=lambda word: (-self[word], word))
        return ranked[:n]

    def view_00(self):
        """View 0 of the tally: the words whose count is 0 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 0]
        chosen.sort()
        if not chosen:
            return "-"
        return "0:" + "/".join(chosen)

    def view_01(self):
        """View 1 of the tally: the words whose count is 1 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 1]
        chosen.sort()
        if not chosen:
            return "-"
        return "1:" + "/".join(chosen)

    def view_02(self):
        """View 2 of the tally: the words whose count is 2 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 2]
        chosen.sort()
        if not chosen:
            return "-"
        return "2:" + "/".join(chosen)

    def view_03(self):
        """View 3 of the tally: the words whose count is 3 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 3]
        chosen.sort()
        if not chosen:
            return "-"
        return "3:" + "/".join(chosen)

    def view_04(self):
        """View 4 of the tally: the words whose count is 4 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 4]
        chosen.sort()
        if not chosen:
            return "-"
        return "4:" + "/".join(chosen)

    def view_05(self):
        """View 5 of the tally: the words whose count is 5 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 5]
        chosen.sort()
        if not chosen:
            return "-"
        return "5:" + "/".join(chosen)

    def view_06(self):
        """View 6 of the tally: the words whose count is 6 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 6]
        chosen.sort()
        if not chosen:
            return "-"
        return "6:" + "/".join(chosen)

    def view_07(self):
        """View 7 of the tally: the words whose count is 7 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 7]
        chosen.sort()
        if not chosen:
            return "-"
        return "7:" + "/".join(chosen)

    def view_08(self):
        """View 8 of the tally: the words whose count is 8 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 8]
        chosen.sort()
        if not chosen:
            return "-"
        return "8:" + "/".join(chosen)

    def view_09(self):
        """View 9 of the tally: the words whose count is 9 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 9]
        chosen.sort()
        if not chosen:
            return "-"
        return "9:" + "/".join(chosen)

    def view_10(self):
        """View 10 of the tally: the words whose count is 10 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 10]
        chosen.sort()
        if not chosen:
            return "-"
        return "10:" + "/".join(chosen)

    def view_11(self):
        """View 11 of the tally: the words whose count is 11 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 11]
        chosen.sort()
        if not chosen:
            return "-"
        return "11:" + "/".join(chosen)

    def view_12(self):
        """View 12 of the tally: the words whose count is 12 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 12]
        chosen.sort()
        if not chosen:
            return "-"
        return "12:" + "/".join(chosen)

    def view_13(self):
        """View 13 of the tally: the words whose count is 13 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 13]
        chosen.sort()
        if not chosen:
            return "-"
        return "13:" + "/".join(chosen)

    def view_14(self):
        """View 14 of the tally: the words whose count is 14 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 14]
        chosen.sort()
        if not chosen:
            return "-"
        return "14:" + "/".join(chosen)

    def view_15(self):
        """View 15 of the tally: the words whose count is 15 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 15]
        chosen.sort()
        if not chosen:
            return "-"
        return "15:" + "/".join(chosen)

    def view_16(self):
        """View 16 of the tally: the words whose count is 16 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 16]
        chosen.sort()
        if not chosen:
            return "-"
        return "16:" + "/".join(chosen)

    def view_17(self):
        """View 17 of the tally: the words whose count is 17 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 17]
        chosen.sort()
        if not chosen:
            return "-"
        return "17:" + "/".join(chosen)

    def view_18(self):
        """View 18 of the tally: the words whose count is 18 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 18]
        chosen.sort()
        if not chosen:
            return "-"
        return "18:" + "/".join(chosen)

    def view_19(self):
        """View 19 of the tally: the words whose count is 19 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 19]
        chosen.sort()
        if not chosen:
            return "-"
        return "19:" + "/".join(chosen)

    def view_20(self):
        """View 20 of the tally: the words whose count is 20 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 20]
        chosen.sort()
        if not chosen:
            return "-"
        return "20:" + "/".join(chosen)

    def view_21(self):
        """View 21 of the tally: the words whose count is 21 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 21]
        chosen.sort()
        if not chosen:
            return "-"
        return "21:" + "/".join(chosen)

    def view_22(self):
        """View 22 of the tally: the words whose count is 22 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 22]
        chosen.sort()
        if not chosen:
            return "-"
        return "22:" + "/".join(chosen)

    def view_23(self):
        """View 23 of the tally: the words whose count is 23 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 23]
        chosen.sort()
        if not chosen:
            return "-"
        return "23:" + "/".join(chosen)

    def view_24(self):
        """View 24 of the tally: the words whose count is 24 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 24]
        chosen.sort()
        if not chosen:
            return "-"
        return "24:" + "/".join(chosen)

    def view_25(self):
        """View 25 of the tally: the words whose count is 25 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 25]
        chosen.sort()
        if not chosen:
            return "-"
        return "25:" + "/".join(chosen)

    def view_26(self):
        """View 26 of the tally: the words whose count is 26 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 26]
        chosen.sort()
        if not chosen:
            return "-"
        return "26:" + "/".join(chosen)

    def view_27(self):
        """View 27 of the tally: the words whose count is 27 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 27]
        chosen.sort()
        if not chosen:
            return "-"
        return "27:" + "/".join(chosen)

    def view_28(self):
        """View 28 of the tally: the words whose count is 28 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 28]
        chosen.sort()
        if not chosen:
            return "-"
        return "28:" + "/".join(chosen)

    def view_29(self):
        """View 29 of the tally: the words whose count is 29 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 29]
        chosen.sort()
        if not chosen:
            return "-"
        return "29:" + "/".join(chosen)

    def view_30(self):
        """View 30 of the tally: the words whose count is 30 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 30]
        chosen.sort()
        if not chosen:
            return "-"
        return "30:" + "/".join(chosen)

    def view_31(self):
        """View 31 of the tally: the words whose count is 31 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 31]
        chosen.sort()
        if not chosen:
            return "-"
        return "31:" + "/".join(chosen)

    def view_32(self):
        """View 32 of the tally: the words whose count is 32 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 32]
        chosen.sort()
        if not chosen:
            return "-"
        return "32:" + "/".join(chosen)

    def view_33(self):
        """View 33 of the tally: the words whose count is 33 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 33]
        chosen.sort()
        if not chosen:
            return "-"
        return "33:" + "/".join(chosen)

    def view_34(self):
        """View 34 of the tally: the words whose count is 34 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 34]
        chosen.sort()
        if not chosen:
            return "-"
        return "34:" + "/".join(chosen)

    def view_35(self):
        """View 35 of the tally: the words whose count is 35 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 35]
        chosen.sort()
        if not chosen:
            return "-"
        return "35:" + "/".join(chosen)

    def view_36(self):
        """View 36 of the tally: the words whose count is 36 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 36]
        chosen.sort()
        if not chosen:
            return "-"
        return "36:" + "/".join(chosen)

    def view_37(self):
        """View 37 of the tally: the words whose count is 37 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 37]
        chosen.sort()
        if not chosen:
            return "-"
        return "37:" + "/".join(chosen)

    def view_38(self):
        """View 38 of the tally: the words whose count is 38 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 38]
        chosen.sort()
        if not chosen:
            return "-"
        return "38:" + "/".join(chosen)

    def view_39(self):
        """View 39 of the tally: the words whose count is 39 more than a multiple of 40.

        Written out one per method, as generated code in real packages often is, so that the class is
        over the 400 lines a class problem may have; the target reaches none of these views.
        """
        chosen = [word for word, count in self.counts.items() if count % 40 == 39]
        chosen.sort()
        if not chosen:
            return "-"
        return "39:" + "/".join(chosen)
