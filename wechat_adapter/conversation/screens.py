"""What a flow answers, before it becomes WeChat messages: a text and the choices under it.

A screen with choices goes out as a msgmenu (clickable options, each numbered), and the
numbers are remembered for the person so that typing "2" picks the second; if WeChat refuses
the msgmenu, the same options go as numbered lines of text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.i18n import Translator
from wechat_adapter.conversation.actions import Action
from wechat_adapter.messages import MenuOption, MenuReply

# WeChat cuts a text message at 2048 bytes; longer answers are split at line breaks.
MAX_CHOICES = 10  # typed numbers stay one or two digits; a msgmenu stays readable
MAX_LABEL = 40  # characters of an option's label


@dataclass(frozen=True)
class Choice:
    label: str
    action: Action


@dataclass(frozen=True)
class Screen:
    """One answer: `text`, then `choices` (numbered from 1)."""

    text: str
    choices: tuple[Choice, ...] = ()

    def __post_init__(self) -> None:
        if len(self.choices) > MAX_CHOICES:
            raise ValueError(f"{len(self.choices)} choices: at most {MAX_CHOICES} fit")

    def after(self, text: str) -> Screen:
        """This screen with `text` before it (a result, then what to do next)."""
        return Screen(f"{text}\n\n{self.text}" if self.text else text, self.choices)


def screen(text: str, choices: Sequence[Choice] = ()) -> Screen:
    return Screen(text, tuple(choices))


def label_of(number: int, choice: Choice) -> str:
    label = choice.label if len(choice.label) <= MAX_LABEL else choice.label[: MAX_LABEL - 1] + "…"
    return f"{number}. {label}"


def as_menu(t: Translator, shown: Screen) -> MenuReply:
    options = tuple(
        MenuOption(choice.action.encode(), label_of(n, choice))
        for n, choice in enumerate(shown.choices, start=1)
    )
    return MenuReply(head=shown.text, options=options, tail=t("wechat.choose_hint"))


def as_text(t: Translator, shown: Screen) -> str:
    """The screen as plain text: its options as numbered lines, and how to pick one."""
    if not shown.choices:
        return shown.text
    lines = [label_of(n, choice) for n, choice in enumerate(shown.choices, start=1)]
    return "\n".join([shown.text, "", *lines, t("wechat.type_number")])
