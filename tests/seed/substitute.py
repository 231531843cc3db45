"""The seed scripts with only their three literals replaced: bootstrap,
topic and group. The tests and the benchmark run them this way, so that
what runs is the blog post's code and nothing else."""
import json
from pathlib import Path

SEED = Path(__file__).resolve().parent


def seed_script(name, directory, bootstrap, topic, group=None):
    """Writes name (producerChat.py or consumerChat.py) into directory with
    the literals swapped, and returns its path."""
    text = (SEED / name).read_text()
    swaps = [('"localhost:9092"', json.dumps(bootstrap))]
    if name == "producerChat.py":
        swaps.append(('prod.send("chat"', f"prod.send({json.dumps(topic)}"))
    else:
        swaps.append(('            "chat",\n', f"            {json.dumps(topic)},\n"))
        swaps.append(('group_id="chat-group"', f"group_id={json.dumps(group)}"))
    for old, new in swaps:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = Path(directory) / f"{topic}-{name}"
    path.write_text(text)
    return path
