"""The form that starts a bug hunt."""

from __future__ import annotations

from django import forms

from .engine.reproduce import TestCommand, TestCommandError
from .services import MAX_BUDGET_S, MIN_BUDGET_S


class HuntForm(forms.Form):
    issue_text = forms.CharField(
        label="What is wrong", required=False, max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4,
                                     "placeholder": "the last element is never returned"}))
    test = forms.CharField(
        label="Failing test or test command", max_length=1000,
        help_text='A pytest node id (tests/test_a.py::test_x) or a command '
                  '("python -m pytest tests"); python is the interpreter running Squiggle.')
    budget_s = forms.IntegerField(label="Budget (seconds)", initial=300,
                                  min_value=MIN_BUDGET_S, max_value=MAX_BUDGET_S)

    def clean_test(self) -> str:
        """A bare node id or path becomes a pytest command."""
        test = self.cleaned_data["test"].strip()
        try:
            command = TestCommand.parse(test)
        except TestCommandError as exc:
            raise forms.ValidationError(str(exc)) from None
        if len(command.argv) == 1 and ("::" in test or test.endswith(".py")):
            return f"python -m pytest {test}"
        return test
