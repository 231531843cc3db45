"""The foundation (issue 3): both programs against a real broker, piped
and through a pseudo-terminal, with the seed's texts and behaviour."""
import json
import os
import re
import signal
import subprocess
import time

import pexpect
import pytest

from conftest import (CONSUMER_BANNER, PRODUCER_BANNER, binary, consume, env,
                      exit_lines, expected_consumer_output, fromtimestamp,
                      kcat_values, produce, wait_for, popen, spawn_pty)

RECORD = re.compile(r'^\{"message": "(?:[^"\\]|\\.)*", "time": \d+\.\d+\}$')


# ---- command line ------------------------------------------------------------

@pytest.mark.parametrize("prog", ["producer_chat", "consumer_chat"])
def test_help_lists_every_option_and_exit_status(prog):
    p = subprocess.run([binary(prog), "--help"], capture_output=True, text=True)
    assert p.returncode == 0 and p.stderr == ""
    for opt in ("-b, --bootstrap-server=HOST:PORT", "-t, --topic=TOPIC", "-X KEY=VALUE",
                "--timeout=SECONDS", "-h, --help", "-V, --version", "Exit status:"):
        assert opt in p.stdout
    assert ("-g, --group=GROUP" in p.stdout) == (prog == "consumer_chat")
    assert subprocess.run([binary(prog), "-h"], capture_output=True,
                          text=True).stdout == p.stdout


@pytest.mark.parametrize("prog", ["producer_chat", "consumer_chat"])
def test_version(prog):
    p = subprocess.run([binary(prog), "--version"], capture_output=True, text=True)
    assert p.returncode == 0
    assert re.match(rf"^{prog} \d+\.\d+\.\d+ \(librdkafka [\d.]+, jansson [\d.]+, "
                    rf"libsodium [\d.]+\)\n$", p.stdout)
    assert subprocess.run([binary(prog), "-V"], capture_output=True,
                          text=True).stdout == p.stdout


@pytest.mark.parametrize("args, message", [
    (["--bogus"], "unknown option '--bogus'"),
    (["-z"], "unknown option '-z'"),
    (["-t"], "option '-t' needs an argument"),
    (["-t", ""], "the topic name is empty"),
    (["-X", "novalue"], "-X takes KEY=VALUE, not 'novalue'"),
    (["-X", "no.such.property=1"], 'No such configuration property: "no.such.property"'),
    (["-X", "linger.ms=abc"], "linger.ms"),
    (["--timeout", "0"], "--timeout takes a number of seconds"),
    (["extra"], "unexpected argument 'extra'"),
])
@pytest.mark.parametrize("prog", ["producer_chat", "consumer_chat"])
def test_usage_errors_exit_2_with_one_clear_line(prog, args, message):
    p = subprocess.run([binary(prog), *args], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=10)
    assert p.returncode == 2
    assert p.stdout == ""
    first, second = p.stderr.splitlines()
    assert first.startswith(f"{prog}: error: ") and message in first
    assert second == f"Try '{prog} --help' for more information."


def test_group_is_a_consumer_option_only():
    p = subprocess.run([binary("producer_chat"), "-g", "x"], capture_output=True,
                       text=True, stdin=subprocess.DEVNULL)
    assert p.returncode == 2 and "unknown option '-g'" in p.stderr


def test_x_list_prints_librdkafka_properties():
    p = subprocess.run([binary("consumer_chat"), "-X", "list"], capture_output=True,
                       text=True)
    assert p.returncode == 0 and "bootstrap.servers" in p.stdout


# ---- piped -----------------------------------------------------------------

def test_piped_session_sends_every_line_in_order_without_prompt(bootstrap, topic, group):
    lines = ["hello", "안녕하세요", "", "  spaced  ", 'quote " and \\', "emoji 😀",
             "tab\there", "exit"]
    p = produce(bootstrap, topic, lines + ["after exit is not read"])
    assert p.stdout == b"", "no banner or prompt when stdin is a pipe"
    assert p.stderr == b""

    values = kcat_values(bootstrap, topic)
    assert [json.loads(v)["message"] for v in values] == lines
    for v in values:
        assert RECORD.match(v), v
        data = json.loads(v)
        # Byte for byte what json.dumps() makes of the same dict.
        assert json.dumps({"message": data["message"], "time": data["time"]}) == v
        assert abs(data["time"] - time.time()) < 60

    c = consume(bootstrap, topic, group)
    assert c.stdout.decode() == expected_consumer_output(values)
    assert c.stderr == b""


def test_crlf_line_ends_are_dropped_and_last_line_needs_no_newline(bootstrap, topic):
    produce(bootstrap, topic, b"one\r\ntwo\r\nthree\rmid\nlast")
    assert [json.loads(v)["message"] for v in kcat_values(bootstrap, topic)] == \
        ["one", "two", "three\rmid", "last"]


def test_end_of_input_delivers_everything_without_sending_exit(bootstrap, topic):
    lines = [f"line {i}" for i in range(2000)]
    p = produce(bootstrap, topic, lines)
    assert p.returncode == 0
    assert [json.loads(v)["message"] for v in kcat_values(bootstrap, topic)] == lines


@pytest.mark.parametrize("word", ["exit", "EXIT", "Exit", "eXiT"])
def test_exit_in_any_case_is_sent_then_ends(bootstrap, topic, word):
    p = produce(bootstrap, topic, ["a", word, "b"])
    assert p.returncode == 0
    assert [json.loads(v)["message"] for v in kcat_values(bootstrap, topic)] == ["a", word]


@pytest.mark.parametrize("word", ["exit ", " exit", "exits", "ex it", "Ｅｘｉｔ"])
def test_only_the_exact_word_exits(bootstrap, topic, word):
    produce(bootstrap, topic, [word, "still here"])
    assert [json.loads(v)["message"] for v in kcat_values(bootstrap, topic)] == \
        [word, "still here"]


# ---- interactive (pseudo-terminal) -------------------------------------------

def spawn(prog, *args, tz="Asia/Seoul"):
    return spawn_pty(binary(prog), list(args), env=env(tz), encoding="utf-8",
                         timeout=30)


def test_interactive_session_banner_prompt_delivery_and_exit(bootstrap, topic, group):
    cons = spawn("consumer_chat", "-b", bootstrap, "-t", topic, "-g", group)
    cons.expect_exact(CONSUMER_BANNER.replace("\n", "\r\n"))

    prod = spawn("producer_chat", "-b", bootstrap, "-t", topic)
    prod.expect_exact(PRODUCER_BANNER.replace("\n", "\r\n") + "YOU: ")
    sent = ["first line", "둘째 줄", ""]
    for n, line in enumerate(sent, 1):
        prod.sendline(line)
        prod.expect_exact("YOU: ")
        # Delivered before the next prompt: the broker has it already.
        assert len(kcat_values(bootstrap, topic)) == n
    prod.sendline("Exit")
    prod.expect(pexpect.EOF)
    prod.close()
    assert prod.exitstatus == 0

    values = kcat_values(bootstrap, topic)
    assert [json.loads(v)["message"] for v in values] == sent + ["Exit"]
    cons.expect(pexpect.EOF)
    cons.close()
    assert cons.exitstatus == 0
    assert CONSUMER_BANNER + cons.before.replace("\r\n", "\n") == \
        expected_consumer_output(values)


def test_interactive_end_of_input_exits_0(bootstrap, topic):
    prod = spawn("producer_chat", "-b", bootstrap, "-t", topic)
    prod.expect_exact("YOU: ")
    prod.sendline("only line")
    prod.expect_exact("YOU: ")
    prod.sendeof()
    prod.expect(pexpect.EOF)
    prod.close()
    assert prod.exitstatus == 0
    assert [json.loads(v)["message"] for v in kcat_values(bootstrap, topic)] == ["only line"]


def test_consumer_ctrl_c_prints_farewell_and_commits(bootstrap, topic, group):
    produce(bootstrap, topic, ["one", "two"])
    cons = spawn("consumer_chat", "-b", bootstrap, "-t", topic, "-g", group)
    cons.expect_exact("[FRIEND] two\r\n")
    cons.sendintr()
    cons.expect(pexpect.EOF)
    cons.close()
    assert cons.exitstatus == 0
    assert cons.before.endswith("\r\n채팅 종료\r\n")

    # What was printed was committed: a restart shows only what is new.
    produce(bootstrap, topic, ["three", "exit"])
    c = consume(bootstrap, topic, group)
    out = c.stdout.decode()
    assert "[FRIEND] one" not in out and "[FRIEND] two" not in out
    assert "[FRIEND] three\n" in out


# ---- consumer ----------------------------------------------------------------

def test_exit_record_is_not_replayed_on_restart(bootstrap, topic, group):
    produce(bootstrap, topic, ["before", "exit"])
    first = consume(bootstrap, topic, group).stdout.decode()
    assert "[FRIEND] before\n" in first and "수신 프로그램을 종료합니다." in first

    produce(bootstrap, topic, ["after", "exit"])
    values = kcat_values(bootstrap, topic)
    second = consume(bootstrap, topic, group).stdout.decode()
    assert second == expected_consumer_output(values[2:])


def test_consumer_output_reaches_a_pipe_line_by_line(bootstrap, topic, group):
    cons = popen([binary("consumer_chat"), "-b", bootstrap, "-t", topic,
                             "-g", group], stdout=subprocess.PIPE, env=env(),
                            stdin=subprocess.DEVNULL)
    try:
        assert cons.stdout.readline().decode() == CONSUMER_BANNER.splitlines(True)[0]
        assert cons.stdout.readline().decode() == CONSUMER_BANNER.splitlines(True)[1]
        for word in ("first", "second"):
            produce(bootstrap, topic, [word])
            # The line arrives while the consumer keeps running.
            line = cons.stdout.readline().decode()
            assert line.endswith(f"][FRIEND] {word}\n")
            assert cons.poll() is None
    finally:
        cons.send_signal(signal.SIGTERM)
        cons.wait(timeout=30)
    assert cons.returncode == 0


def test_timestamps_follow_tz(bootstrap, topic, group):
    produce(bootstrap, topic, ["zoned", "exit"])
    values = kcat_values(bootstrap, topic)
    for tz in ("UTC", "America/New_York", "Asia/Kathmandu"):
        out = consume(bootstrap, topic, f"{group}-{tz.replace('/', '-')}",
                      tz=tz).stdout.decode()
        assert out == expected_consumer_output(values, tz)


# ---- failures ----------------------------------------------------------------

@pytest.mark.parametrize("prog", ["producer_chat", "consumer_chat"])
def test_unreachable_broker_is_a_clear_error(prog):
    start = time.monotonic()
    p = subprocess.run([binary(prog), "-b", "127.0.0.1:1", "--timeout", "3"],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       timeout=30)
    assert p.returncode == 3
    assert time.monotonic() - start < 10
    err = p.stderr.splitlines()
    assert len(err) == 1, p.stderr
    assert err[0].startswith(f"{prog}: error: cannot reach Kafka at 127.0.0.1:1 within 3 s: ")
    assert "Connection refused" in err[0]


@pytest.mark.slow
def test_unreachable_broker_gives_up_within_30_s_by_default():
    start = time.monotonic()
    procs = [popen([binary(prog), "-b", "127.0.0.1:1"], text=True,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
             for prog in ("producer_chat", "consumer_chat")]
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 3
        assert "cannot reach Kafka at 127.0.0.1:1 within 30 s" in err
    assert time.monotonic() - start < 35


def test_undeliverable_line_is_reported_with_its_number(bootstrap, topic):
    # The client allows 2 MB, the broker takes about 1 MB: line 2 is refused.
    big = "x" * 1_500_000
    p = produce(bootstrap, topic, ["ok", big, "fine"], "-X", "message.max.bytes=2000000",
                check=False)
    assert p.returncode == 1
    err = p.stderr.decode()
    assert "line 2 not delivered: Broker: Message size too large" in err
    assert "1 of 3 lines not delivered" in err
    assert [json.loads(v)["message"] for v in kcat_values(bootstrap, topic)] == ["ok", "fine"]


@pytest.mark.parametrize("prog", ["producer_chat", "consumer_chat"])
def test_unusable_topic_is_a_clear_error(bootstrap, prog):
    p = subprocess.run([binary(prog), "-b", bootstrap, "-t", "no spaces allowed",
                        "--timeout", "5"], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=30)
    assert p.returncode == 3
    assert p.stderr.splitlines()[-1] == \
        f"{prog}: error: topic 'no spaces allowed' is not available at {bootstrap}: " \
        "Broker: Invalid topic"


def test_consumer_started_before_the_topic_exists_sees_it(bootstrap, topic, group):
    cons = popen([binary("consumer_chat"), "-b", bootstrap, "-t", topic,
                             "-g", group], stdout=subprocess.PIPE, env=env(),
                            stdin=subprocess.DEVNULL)
    try:
        cons.stdout.readline()
        cons.stdout.readline()
        time.sleep(1)
        produce(bootstrap, topic, ["first ever", "exit"])
        assert cons.wait(timeout=30) == 0
        assert cons.stdout.read().decode().startswith(f"[")
    finally:
        cons.kill()
