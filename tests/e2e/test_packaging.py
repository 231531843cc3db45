"""Packaging: the man pages, `make install` / `make uninstall` and the bash
completion. None of these needs a broker."""
import os
import re
import shlex
import shutil
import stat
import subprocess

import pytest

from conftest import REPO, binary

PROGRAMS = ("producer_chat", "consumer_chat", "kafka-chat")
COMPLETION = REPO / "completion" / "kafka-chat.bash"
VERSION = re.search(r'#define KAFKA_CHAT_VERSION "([^"]+)"',
                    (REPO / "common" / "options.h").read_text()).group(1)

# What check-man (Makefile) runs: any output on stderr is a failure.
MAN_ENV = {"LC_ALL": "C.UTF-8", "MANROFFSEQ": "", "MANWIDTH": "80"}

# man (man-db) comes with scripts/setup.sh: its absence is a failure, not a skip.
needs_man = pytest.mark.usefixtures("man_installed")


@pytest.fixture
def man_installed():
    assert shutil.which("man"), "man(1) is missing: scripts/setup.sh installs man-db"


def page(prog):
    return REPO / "man" / f"{prog}.1"


def render(prog):
    """The page as man shows it, and what it said on stderr."""
    p = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", str(page(prog))],
                       env={**os.environ, **MAN_ENV}, capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr.decode()
    return p.stdout.decode(), p.stderr.decode()


def help_options(prog):
    """The options --help lists in its option column: {'-b', '--topic', ...}."""
    text = subprocess.run([binary(prog), "--help"], capture_output=True, text=True,
                          check=True, timeout=30).stdout
    section = text.split("\nOptions:\n", 1)[1].split("\nExit status:\n", 1)[0]
    found = set()
    for line in section.splitlines():
        # "  -b, --bootstrap-server=HOST:PORT ...", "      --name=NAME ...",
        # "  -X KEY=VALUE ...": the left column starts within 8 columns.
        m = re.match(r" {2,6}(-\w)?(?:, )?(--[a-z][a-z-]*)?[= ]", line)
        if m and (m.group(1) or m.group(2)):
            found.update(o for o in m.groups() if o)
    assert {"--help", "--version", "-X"} <= found
    return found


def long_options(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*[a-z])", text))


def page_option_tags(prog):
    """The options the OPTIONS section of the page describes (its .TP tags)."""
    src = page(prog).read_text(encoding="utf-8")
    section = src.split("\n.SH OPTIONS\n", 1)[1].split("\n.SH ", 1)[0]
    lines = section.splitlines()
    found = set()
    for i, line in enumerate(lines[:-1]):
        if line.startswith(".TP"):
            tag = re.sub(r"\\f[BIRP]|\\[&~]", "", lines[i + 1]).replace("\\-", "-")
            tag = re.sub(r"^\.[BIR]+ ", "", tag).replace('"', "")
            found.update(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", tag.split("=")[0]))
    return found


# ---- (a) the man pages are clean -------------------------------------------------

@needs_man
@pytest.mark.parametrize("prog", PROGRAMS)
def test_man_page_has_no_warnings(prog):
    src = page(prog).read_text(encoding="utf-8")
    assert src.startswith('.\\" -*- coding: UTF-8 -*-\n')
    out, err = render(prog)
    assert err == ""
    assert f"kafka-chat {VERSION}" in src.split("\n.TH ", 1)[1].splitlines()[0]
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS",
                    "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO"):
        assert f"\n{section}\n" in out, section
    # What everyone must be told.
    flat = " ".join(out.split())
    assert "KAFKA_CHAT_CONFIG" in flat and "~/.config/kafka-chat.conf" in flat
    assert "-X sasl.password=... are visible to every user" in flat
    assert "COMPATIBILITY" in out


def test_check_man_target():
    assert shutil.which("man"), "man(1) is missing: scripts/setup.sh installs man-db"
    p = subprocess.run(["make", "-s", "-C", str(REPO), "check-man"], env=make_env(),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stderr == "", p.stderr


# ---- (b) the man pages document exactly the options --help lists -----------------

@needs_man
@pytest.mark.parametrize("prog", PROGRAMS)
def test_man_page_options_match_help(prog):
    listed = help_options(prog)
    out, _ = render(prog)
    # Every long option --help lists is in the page, and the page names no
    # long option that this program lacks (not even another program's).
    assert long_options(out) == {o for o in listed if o.startswith("--")}
    # The OPTIONS section describes each option, short and long, once.
    assert page_option_tags(prog) == listed


@pytest.mark.parametrize("prog", PROGRAMS)
def test_man_page_exit_statuses_match_help(prog):
    text = subprocess.run([binary(prog), "--help"], capture_output=True, text=True,
                          check=True, timeout=30).stdout
    statuses = re.findall(r"^  (\d)  ", text.split("\nExit status:\n", 1)[1], re.M)
    src = page(prog).read_text(encoding="utf-8")
    section = src.split("\n.SH EXIT STATUS\n", 1)[1].split("\n.SH ", 1)[0]
    assert re.findall(r"^\.TP\n\.B (\d)$", section, re.M) == statuses


# ---- (c) make install / make uninstall ----------------------------------------

def make_env():
    # Not the variables of a make that runs us (OUT=build-asan/, jobserver).
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    env.pop("PREFIX", None)
    env.pop("DESTDIR", None)
    return env


def make(*args):
    p = subprocess.run(["make", "-C", str(REPO), *args], env=make_env(),
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    return p


def installed_entries(root):
    """Every file and link under root (directories aside), relative."""
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_symlink() or not p.is_dir()}


def test_the_debian_package_has_the_programs_version():
    changelog = (REPO / "debian" / "changelog").read_text().splitlines()[0]
    assert re.match(rf"kafka-chat \({re.escape(VERSION)}(-\d+)?\) ", changelog), changelog


def test_install_and_uninstall(tmp_path):
    root = tmp_path / "root"
    make("install", f"DESTDIR={root}", "PREFIX=/usr")

    comp = "usr/share/bash-completion/completions"
    expected = {f"usr/bin/{p}": 0o755 for p in PROGRAMS}
    expected.update({f"usr/share/man/man1/{p}.1": 0o644 for p in PROGRAMS})
    expected.update({f"{comp}/{p}": 0o644 for p in PROGRAMS})
    assert installed_entries(root) == set(expected)

    for rel, mode in expected.items():
        path = root / rel
        target = path.resolve()
        # A link (the completions) must stay inside the tree it was installed in.
        assert target.is_relative_to(root) and target.is_file(), rel
        assert stat.S_IMODE(target.stat().st_mode) == mode, rel
    for prog in PROGRAMS:
        assert (root / f"usr/share/man/man1/{prog}.1").read_bytes() == page(prog).read_bytes()
        assert (root / f"{comp}/{prog}").read_bytes() == COMPLETION.read_bytes()
        p = subprocess.run([str(root / "usr/bin" / prog), "--version"], capture_output=True,
                           text=True, timeout=30)
        assert p.returncode == 0 and p.stdout.startswith(f"{prog} {VERSION} (librdkafka ")

    # Installing again over it is fine (links included).
    make("install", f"DESTDIR={root}", "PREFIX=/usr")
    assert installed_entries(root) == set(expected)

    make("uninstall", f"DESTDIR={root}", "PREFIX=/usr")
    assert installed_entries(root) == set()


def test_install_default_prefix():
    out = make("-n", "install", "DESTDIR=/nonexistent/stage").stdout
    assert "/nonexistent/stage/usr/local/bin" in out
    assert "/nonexistent/stage/usr/local/share/man/man1" in out
    assert "/nonexistent/stage/usr/local/share/bash-completion/completions/kafka-chat" in out


# ---- (d) the bash completion -----------------------------------------------------

def bash(script, cwd=None):
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True,
                       text=True, timeout=60, cwd=cwd)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    return p.stdout


def complete(*words, cwd=None):
    """COMPREPLY for the command line `words` with the cursor at the end of
    the last word, as bash splits it (at '=' too)."""
    line = " ".join(words)
    script = f"""
        . {shlex.quote(str(COMPLETION))}
        spec=$(complete -p {shlex.quote(os.path.basename(words[0]))})
        [[ $spec =~ -F\\ ([^ ]+) ]] || exit 9
        COMP_WORDS=({" ".join(shlex.quote(w) for w in words)})
        COMP_CWORD={len(words) - 1}
        COMP_LINE={shlex.quote(line)}
        COMP_POINT=${{#COMP_LINE}}
        "${{BASH_REMATCH[1]}}" {shlex.quote(words[0])} {shlex.quote(words[-1])} \
            {shlex.quote(words[-2] if len(words) > 1 else "")}
        printf '%s\\n' "${{COMPREPLY[@]}}"
    """
    return [l for l in bash(script, cwd).splitlines() if l]


def test_completion_is_registered_for_each_program():
    out = bash(f". {shlex.quote(str(COMPLETION))}; complete -p {' '.join(PROGRAMS)}")
    specs = out.splitlines()
    assert len(specs) == 3
    for spec, prog in zip(specs, PROGRAMS):
        assert re.fullmatch(rf"complete -F \S+ {prog}", spec), spec


def test_completion_of_option_names():
    assert complete("consumer_chat", "--esc") == ["--escape"]
    assert complete("producer_chat", "--esc") == []  # not a producer option
    assert complete("kafka-chat", "--h") == ["--help", "--history", "--highlight"]
    assert sorted(complete("consumer_chat", "-e")) == ["-e"]


@pytest.mark.parametrize("prog", PROGRAMS)
def test_completion_offers_exactly_the_options_of_help(prog):
    assert set(complete(prog, "-")) == help_options(prog)
    assert set(complete(prog, "")) == help_options(prog)  # there are no operands


def test_completion_of_escape_and_offset_values():
    assert complete("consumer_chat", "--escape", "") == ["auto", "always", "never"]
    assert complete("consumer_chat", "--escape", "a") == ["auto", "always"]
    # "--escape=al": bash splits it at '='.
    assert complete("consumer_chat", "--escape", "=") == ["auto", "always", "never"]
    assert complete("consumer_chat", "--escape", "=", "al") == ["always"]
    assert complete("consumer_chat", "-o", "") == ["stored", "beginning", "end"]
    assert complete("consumer_chat", "--offset", "=", "b") == ["beginning"]
    assert complete("consumer_chat", "-ob") == ["-obeginning"]
    for prog in ("consumer_chat", "kafka-chat"):
        assert complete(prog, "--color", "") == ["auto", "always", "never"]
        assert complete(prog, "--color", "=", "n") == ["never"]
    assert complete("producer_chat", "--color", "") == []  # not a producer option


def test_completion_of_properties():
    producer = binary("producer_chat")
    assert complete(producer, "-X", "bootstrap.s") == ["bootstrap.servers="]
    assert complete(producer, "-X", "lis") == ["list"]
    assert complete(producer, "-Xbootstrap.s") == ["-Xbootstrap.servers="]
    # Consumer properties for the consumer, not the producer; kafka-chat runs both.
    assert "enable.auto.commit=" in complete(binary("consumer_chat"), "-X", "enable.auto")
    assert "enable.auto.commit=" not in complete(producer, "-X", "enable.auto")
    assert "enable.auto.commit=" in complete(binary("kafka-chat"), "-X", "enable.auto")
    # The value is free-form.
    assert complete(producer, "-X", "bootstrap.servers", "=", "lo") == []


def test_completion_of_config_files(tmp_path):
    (tmp_path / "team.conf").write_text("")
    (tmp_path / "tls.conf").write_text("")
    (tmp_path / "other").write_text("")
    assert sorted(complete("kafka-chat", "-F", "t", cwd=tmp_path)) == ["team.conf", "tls.conf"]
    assert complete("kafka-chat", "--config", "=", "te", cwd=tmp_path) == ["team.conf"]


def test_completion_leaves_free_form_arguments_alone(tmp_path):
    (tmp_path / "chat-file").write_text("")
    for words in (("producer_chat", "-b", ""), ("producer_chat", "--topic", ""),
                  ("consumer_chat", "-g", "c"), ("kafka-chat", "--name", ""),
                  ("consumer_chat", "--since", ""), ("producer_chat", "--timeout", "="),
                  ("consumer_chat", "-c", ""), ("kafka-chat", "--highlight", ""),
                  ("producer_chat", "-b", "localhost", ":"),
                  ("producer_chat", "-b", "localhost", ":", "9"),
                  ("producer_chat", "--", "")):
        assert complete(*words, cwd=tmp_path) == [], words
    # The argument of an option may look like an option: "-t -b" names a topic.
    assert "--topic" in complete("producer_chat", "-t", "-b", "")
