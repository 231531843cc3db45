"""The README's picture of kafka-chat: a real session on a real broker, in
a pseudo-terminal, rendered by pyte (the VT100 emulator of the tests) and
drawn as SVG, cell by cell, with the colours and attributes the terminal
shows, on a dark and on a light background.

    .venv/bin/python tests/e2e/screenshot.py -b 127.0.0.1:9092 docs/

writes docs/kafka-chat-dark.svg and docs/kafka-chat-light.svg
(tests/e2e/test_chat_ui.py runs it too, into a temporary folder).
"""
import argparse
import json
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import produce, raw_produce  # noqa: E402
from terminal import Terminal, ready  # noqa: E402

COLS, ROWS = 100, 19
CELL_W, CELL_H, FONT = 8.4, 18, 14

# The two themes: background, text, and the 8 basic colours as xterm's
# own palette draws them (our 256-colour palette needs no table: pyte
# gives those as hex).
THEMES = {
    "dark": {"bg": "#1d1f21", "fg": "#d0d0d0", "cursor": "#d0d0d0",
             "black": "#000000", "red": "#cd0000", "green": "#00cd00", "brown": "#cdcd00",
             "blue": "#1e90ff", "magenta": "#cd00cd", "cyan": "#00cdcd", "white": "#e5e5e5"},
    "light": {"bg": "#fdfdfd", "fg": "#202020", "cursor": "#202020",
              "black": "#000000", "red": "#cd0000", "green": "#00a000", "brown": "#a08000",
              "blue": "#0000ee", "magenta": "#cd00cd", "cyan": "#008b8b", "white": "#e5e5e5"},
}

KST = timezone(timedelta(hours=9))


def colour(value, theme, default):
    if value == "default":
        return theme[default]
    if value in theme:
        return theme[value]
    return "#" + value  # pyte's 256 colours are hex


def svg(screen, theme_name="dark"):
    """An SVG of pyte's screen: a run of text per stretch of cells that
    look alike, each stretched to its columns (a wide character takes
    two)."""
    theme = THEMES[theme_name]
    width, height = COLS * CELL_W + 16, screen.lines * CELL_H + 16
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height}" '
           f'viewBox="0 0 {width:.0f} {height}" font-family="DejaVu Sans Mono, Menlo, '
           f'Consolas, monospace" font-size="{FONT}">',
           f'<rect width="100%" height="100%" rx="6" fill="{theme["bg"]}"/>']
    for y in range(screen.lines):
        row = screen.buffer[y]
        x = 0
        while x < screen.columns:
            cell = row[x]
            look = (cell.fg, cell.bg, cell.bold, cell.underscore, cell.reverse)
            start, text, inked = x, "", x
            while x < screen.columns and (row[x].fg, row[x].bg, row[x].bold,
                                          row[x].underscore, row[x].reverse) == look:
                text += row[x].data  # "" for the right half of a wide character
                x += 1
                if row[x - 1].data.strip() or not row[x - 1].data:
                    inked = x  # the text ends here, trailing spaces aside
            fg = colour(cell.fg, theme, "fg")
            bg = colour(cell.bg, theme, "bg")
            if cell.reverse:
                fg, bg = bg, fg
            left, top = 8 + start * CELL_W, 8 + y * CELL_H
            span = (x - start) * CELL_W
            if bg != theme["bg"]:
                out.append(f'<rect x="{left:.1f}" y="{top}" width="{span:.1f}" '
                           f'height="{CELL_H}" fill="{bg}"/>')
            if text.strip():
                attrs = ' font-weight="bold"' if cell.bold else ""
                attrs += ' text-decoration="underline"' if cell.underscore else ""
                out.append(f'<text x="{left:.1f}" y="{top + CELL_H - 5}" fill="{fg}" '
                           f'textLength="{(inked - start) * CELL_W:.1f}" '
                           f'lengthAdjust="spacingAndGlyphs" xml:space="preserve"{attrs}>'
                           f'{escape(text.rstrip())}</text>')
    cx, cy = 8 + screen.cursor.x * CELL_W, 8 + screen.cursor.y * CELL_H
    out.append(f'<rect x="{cx:.1f}" y="{cy}" width="{CELL_W}" height="{CELL_H}" '
               f'fill="{theme["cursor"]}" opacity="0.6"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def record(message, when, sender):
    t = datetime.fromisoformat(when).replace(tzinfo=KST).timestamp()
    return json.dumps({"message": message, "time": t, "sender": sender}).encode()


def session(bootstrap):
    """alice's window after a little while in the room; returns it (still
    running: the caller leaves)."""
    topic = f"team-{uuid.uuid4().hex[:6]}"
    yesterday = (datetime.now(KST) - timedelta(days=1)).strftime("%Y-%m-%d")
    raw_produce(bootstrap, topic, [
        record("배포 준비됐어?", f"{yesterday} 18:02:11.204518", "bob"),
        record("거의. 테스트만 남았어", f"{yesterday} 18:03:40.950112", "carol"),
    ])
    alice = ready(Terminal(bootstrap, topic, "alice", "--highlight", "배포", cols=COLS, rows=ROWS,
                           term="xterm-256color"))
    bob = ready(Terminal(bootstrap, topic, "bob", cols=COLS, rows=ROWS))
    alice.wait_for("-!- bob 님이 들어왔습니다.")
    bob.type("alice, 내일 회의 10시야\r")
    alice.wait_for("내일 회의 10시야")
    alice.type("알겠어, 고마워!\r")
    alice.wait_for("고마워! ✓")
    produce(bootstrap, topic, ["(a seed script says hi)"])
    alice.wait_for("seed script")
    produce(bootstrap, topic, ["배포는 3시에 할게"], "--name", "carol")
    alice.wait_for("3시에 할게")
    alice.type("/last 배포\r")
    alice.wait_for('"배포": 2개 찾음')
    alice.type("ca\t지금 쓰는 중인 줄")
    alice.pump(0.5)
    assert bob.leave() == 0
    alice.wait_for("-!- bob 님이 나갔습니다.")
    return alice


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-b", "--bootstrap-server", default="127.0.0.1:9092")
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    alice = session(args.bootstrap_server)
    args.folder.mkdir(parents=True, exist_ok=True)
    for theme in THEMES:
        (args.folder / f"kafka-chat-{theme}.svg").write_text(svg(alice.screen, theme))
    alice.leave("\x15/quit\r")


if __name__ == "__main__":
    main()
