"""argparse speaking French: help sections, usage line, and errors as one French line."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

from desktop.cli.command import EXIT_USAGE

# argparse formats its English templates before `error()` sees them, so each template is matched
# whole, with its values captured, rather than word by word (which turned « arguments
# obligatoires » into « options obligatoires »). The prefix naming the option comes first.
# Patterns stay text, compiled by `re` on the first mistake: the GUI start parses no mistake.
_TYPES = {"int": "nombre entier attendu", "float": "nombre attendu"}
_MESSAGES: list[tuple[str, Callable[[re.Match[str]], str]]] = [
    (r"^argument (\S+): ", lambda m: f"{m[1]} : "),
    (r"the following arguments are required: (.*)",
     lambda m: f"valeurs obligatoires manquantes : {m[1]}"),
    (r"unrecognized arguments: (.*)", lambda m: f"valeurs inconnues : {m[1]}"),
    (r"invalid choice: '(.*)' \(choose from (.*)\)",
     lambda m: f"choix invalide « {m[1]} » (choix possibles : {m[2].replace(chr(39), '')})"),
    (r"invalid (\w+) value: '(.*)'",
     lambda m: f"valeur invalide « {m[2]} » ({_TYPES.get(m[1], 'type ' + m[1] + ' attendu')})"),
    (r"expected one argument", lambda m: "une valeur est attendue"),
    (r"expected at most one argument", lambda m: "une valeur au plus est attendue"),
    (r"expected at least one argument", lambda m: "au moins une valeur est attendue"),
    (r"expected (\d+) arguments?", lambda m: f"{m[1]} valeur(s) attendue(s)"),
    (r"ambiguous option: (\S+) could match (.*)",
     lambda m: f"option ambiguë : {m[1]} peut désigner {m[2]}"),
    (r"ignored explicit argument '(.*)'",
     lambda m: f"cette option ne prend pas de valeur (« {m[1]} » donné)"),
    (r"not allowed with argument (.*)", lambda m: f"incompatible avec {m[1]}"),
    (r"one of the arguments (.*) is required",
     lambda m: f"une de ces options est obligatoire : {m[1]}"),
]  # fmt: skip


_COLUMN = r"\s+\S+\s{2,}"  # a "  name   description" line of an epilog


def french_message(message: str) -> str:
    """argparse's English error message, in French."""
    for pattern, french in _MESSAGES:
        message = re.sub(pattern, french, message)
    return message


def usage_line(message: str, prog: str = "pilotis") -> str:
    """The one line printed for a command-line mistake, pointing at the right help."""
    return f"pilotis : erreur : {message} (voir « {prog} --help »)\n"


class FrenchHelpFormatter(argparse.HelpFormatter):
    """« utilisation : » instead of "usage:"; descriptions and epilogs keep their line breaks."""

    def add_usage(self, usage, actions, groups, prefix=None):
        # argparse also calls this with prefix="" to compute a sub-command's prog: keep that one.
        super().add_usage(usage, actions, groups, "utilisation : " if prefix is None else prefix)

    def start_section(self, heading: str | None) -> None:
        # argparse writes "heading:"; French puts a space before the colon.
        super().start_section(f"{heading} " if heading else heading)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap  # only when a help is shown, as argparse itself does

        lines = []
        for line in text.splitlines():
            body = line.lstrip()
            margin = indent + line[: len(line) - len(body)]
            # A "  name   description" line wraps under its description, anything else is indented.
            column = re.match(_COLUMN, line)
            hanging = indent + " " * column.end() if column else margin + "    "
            lines.append(
                textwrap.fill(body, width, initial_indent=margin, subsequent_indent=hanging)
                if body
                else ""
            )
        return "\n".join(lines)


class FrenchParser(argparse.ArgumentParser):
    """A parser whose help and mistakes are French; `epilog` may be a function, called only when
    the help is shown (the lists it prints may need imports the command line avoids otherwise)."""

    def __init__(self, *args, positionals_title: str = "valeurs", **kwargs) -> None:
        kwargs.setdefault("formatter_class", FrenchHelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = positionals_title
        self._optionals.title = "options"
        if add_help:
            self.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")

    def parse_args(self, args=None, namespace=None):
        # Unknown values are reported by the sub-command that received them, so that the
        # message points at that command's help rather than the main one.
        namespace, extras = self.parse_known_args(args, namespace)
        if extras:
            self._receiver(namespace).error(f"valeurs inconnues : {' '.join(extras)}")
        return namespace

    def _receiver(self, namespace: argparse.Namespace) -> FrenchParser:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                chosen = action.choices.get(getattr(namespace, action.dest, None))
                if isinstance(chosen, FrenchParser):
                    return chosen._receiver(namespace)
        return self

    def format_help(self) -> str:
        if callable(self.epilog):
            self.epilog = self.epilog()
        return super().format_help()

    def error(self, message: str) -> None:  # one French line instead of argparse's English
        self.exit(EXIT_USAGE, usage_line(french_message(message), self.prog))
