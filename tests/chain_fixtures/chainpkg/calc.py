"""Arithmetic text to a formatted number in steps, each on the one before; vectors read, scaled and measured."""

import math

PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def tokenize(text):
    """Split arithmetic text into a list of number strings and operator characters."""
    tokens = []
    number = ""
    for char in text:
        if char.isdigit() or char == ".":
            number += char
            continue
        if number:
            tokens.append(number)
            number = ""
        if char in PRECEDENCE or char in "()":
            tokens.append(char)
    if number:
        tokens.append(number)
    return tokens


def to_postfix(tokens):
    """Reorder infix tokens into postfix (reverse Polish) order with the shunting-yard algorithm."""
    output, stack = [], []
    for token in tokens:
        if token in PRECEDENCE:
            while stack and stack[-1] in PRECEDENCE and PRECEDENCE[stack[-1]] >= PRECEDENCE[token]:
                output.append(stack.pop())
            stack.append(token)
        elif token == "(":
            stack.append(token)
        elif token == ")":
            while stack[-1] != "(":
                output.append(stack.pop())
            stack.pop()
        else:
            output.append(token)
    while stack:
        output.append(stack.pop())
    return output


def evaluate(postfix):
    """Evaluate postfix tokens and return the value as a float."""
    stack = []
    for token in postfix:
        if token in PRECEDENCE:
            right, left = stack.pop(), stack.pop()
            if token == "+":
                stack.append(left + right)
            elif token == "-":
                stack.append(left - right)
            elif token == "*":
                stack.append(left * right)
            else:
                stack.append(left / right)
        else:
            stack.append(float(token))
    return stack[0]


def double(x):
    """Twice x."""
    return x * 2


class Formatter:
    """Renders numbers with a fixed number of decimals and a unit."""

    def __init__(self, precision, unit=""):
        self.precision = precision
        self.unit = unit

    def render(self, value):
        """The value rounded to the formatter's precision, with commas between thousands, then its unit."""
        digits = f"{abs(value):,.{self.precision}f}"
        sign = "-" if value < 0 else ""
        return sign + digits + self.unit


class Vector:
    """A vector in the plane."""

    def __init__(self, x, y):
        self.x = x
        self.y = y

    @classmethod
    def parse(cls, text):
        """Read "x, y" (spaces optional) as a vector of floats."""
        x, _, y = text.partition(",")
        return cls(float(x.strip()), float(y.strip()))

    def scaled(self, factor):
        """A new vector: this one with both coordinates multiplied by ``factor``."""
        x = self.x * factor
        y = self.y * factor
        return Vector(x, y)

    def length(self):
        """The Euclidean length of the vector."""
        squares = self.x * self.x + self.y * self.y
        return math.sqrt(squares)


def normalised(text):
    """The vector written in ``text`` scaled to length 1 (the zero vector stays as it is)."""
    vector = Vector.parse(text)
    size = vector.length()
    if size == 0:
        return vector
    return Vector(vector.x / size, vector.y / size)


def describe(vector):
    """The vector as "(x, y)" with one decimal each, then its length with two."""
    coordinates = f"({vector.x:.1f}, {vector.y:.1f})"
    return f"{coordinates} of length {vector.length():.2f}"


class Ruler:
    """Measures lengths in a unit of ``size`` centimetres called ``name``."""

    def __init__(self, size, name):
        self.size = size
        self.name = name

    def measure(self, centimetres):
        """How many whole units fit in ``centimetres``, and the centimetres left over (rounded to 0.01)."""
        units = int(centimetres // self.size)
        return units, round(centimetres - units * self.size, 2)

    def label(self, measured):
        """A measurement from ``measure`` as text, e.g. "3 hands and 4.52 cm"."""
        units, rest = measured
        plural = "" if units == 1 else "s"
        return f"{units} {self.name}{plural} and {rest:g} cm"
