"""Tests of command replies, as Redis 7.0 sends them, over a connection without sockets."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from respserver.conf import ServerConfig
from respserver.server import RespServer
from tests.respserver.conftest import fake_connection

HELLO_FIELDS = (
    b"$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:%d\r\n"
    b"$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
    b"$7\r\nmodules\r\n*0\r\n"
)

# Columns: the bytes of one read on a new connection, the bytes written back, and how
# the connection ends ("close" after the replies, or None if it stays open).
REPLIES = [
    # framing: case, pipelines, empty lines, negative counts, protocol errors, QUIT
    (b"ping\r\n*1\r\n$4\r\npInG\r\n", b"+PONG\r\n+PONG\r\n", None),
    (b"*2\r\n$4\r\nPING\r\n$5\r\nhello\r\n", b"$5\r\nhello\r\n", None),
    (b"PING\r\n*1\r\n$4\r\nPING\r\nPING\r\n", b"+PONG\r\n" * 3, None),
    (b"\r\n*1\r\n$4\r\nping\r\n", b"+PONG\r\n", None),
    (b"*-10\r\n*1\r\n$4\r\nping\r\n", b"+PONG\r\n", None),
    (b"*3000000000\r\n", b"-ERR Protocol error: invalid multibulk length\r\n", "close"),
    (b"*1\r\nfoo\r\n", b"-ERR Protocol error: expected '$', got 'f'\r\n", "close"),
    (
        b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n",
        b"-ERR Protocol error: invalid bulk length\r\n",
        "close",
    ),
    (
        b"PING\r\n*x\r\nPING\r\n",
        b"+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n",
        "close",
    ),
    (b"FOO bar\r\n", b"-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n", None),
    (b"QUIT\r\nPING\r\n", b"+OK\r\n", "close"),
    (b"QUIT\r\n*x\r\n", b"+OK\r\n", "close"),
    (b"*1\r\n$4\r\nPING\r\n" * 10_000, b"+PONG\r\n" * 10_000, None),
    # PING and ECHO
    (b"PING a b\r\n", b"-ERR wrong number of arguments for 'ping' command\r\n", None),
    (b"*2\r\n$4\r\nECHO\r\n$4\r\na\r\nb\r\n", b"$4\r\na\r\nb\r\n", None),
    (b"*2\r\n$4\r\necho\r\n$0\r\n\r\n", b"$0\r\n\r\n", None),
    (b"ECHO\r\n", b"-ERR wrong number of arguments for 'echo' command\r\n", None),
    (b"ECHO a b\r\n", b"-ERR wrong number of arguments for 'echo' command\r\n", None),
    (b"QUIT extra args\r\n", b"+OK\r\n", "close"),
    # unknown commands: the name as sent, arguments while under 128 characters
    (b"FOO\r\n", b"-ERR unknown command 'FOO', with args beginning with: \r\n", None),
    (b"fOo a b\r\n", b"-ERR unknown command 'fOo', with args beginning with: 'a' 'b' \r\n", None),
    (b"*1\r\n$0\r\n\r\n", b"-ERR unknown command '', with args beginning with: \r\n", None),
    (
        b"X" * 200 + b"\r\n",
        b"-ERR unknown command '" + b"X" * 128 + b"', with args beginning with: \r\n",
        None,
    ),
    (
        b"FOO " + b"a" * 130 + b" b\r\n",
        b"-ERR unknown command 'FOO', with args beginning with: '" + b"a" * 128 + b"' \r\n",
        None,
    ),
    (
        b"FOO " + b"a" * 120 + b" bcdefghijkl c\r\n",
        b"-ERR unknown command 'FOO', with args beginning with: '" + b"a" * 120 + b"' 'bcdef' \r\n",
        None,
    ),
    (
        b"*2\r\n$4\r\nF\r\nO\r\n$1\r\n\n\r\n",
        b"-ERR unknown command 'F  O', with args beginning with: ' ' \r\n",
        None,
    ),
    (
        b"*2\r\n$5\r\nFO\x00OO\r\n$3\r\na\x00b\r\n",
        b"-ERR unknown command 'FO', with args beginning with: 'a' \r\n",
        None,
    ),
    # HELLO
    (b"HELLO\r\n", b"*14\r\n" + HELLO_FIELDS % 2, None),
    (b"HELLO 2\r\n", b"*14\r\n" + HELLO_FIELDS % 2, None),
    (b"HELLO 3\r\n", b"%7\r\n" + HELLO_FIELDS % 3, None),
    (
        b"hello 3 AUTH default secret SETNAME app\r\nCLIENT GETNAME\r\n",
        b"%7\r\n" + HELLO_FIELDS % 3 + b"$3\r\napp\r\n",
        None,
    ),
    (b"HELLO 4\r\n", b"-NOPROTO unsupported protocol version\r\n", None),
    (b"HELLO 1\r\n", b"-NOPROTO unsupported protocol version\r\n", None),
    (b"HELLO abc\r\n", b"-ERR Protocol version is not an integer or out of range\r\n", None),
    (b"HELLO 03\r\n", b"-ERR Protocol version is not an integer or out of range\r\n", None),
    (b"HELLO 3 WHAT\r\n", b"-ERR Syntax error in HELLO option 'WHAT'\r\n", None),
    (
        b"HELLO 3 AUTH bob pw\r\n",
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
        None,
    ),
    (
        b"HELLO 3 SETNAME a\x01b\r\n",
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
        None,
    ),
    # CLIENT
    (b"CLIENT ID\r\n", b":1\r\n", None),
    (b"CLIENT GETNAME\r\n", b"$-1\r\n", None),
    (b"HELLO 3\r\nCLIENT GETNAME\r\n", b"%7\r\n" + HELLO_FIELDS % 3 + b"_\r\n", None),
    (b"CLIENT SETNAME app\r\nclient getname\r\n", b"+OK\r\n$3\r\napp\r\n", None),
    (
        b'CLIENT SETNAME app\r\nCLIENT SETNAME ""\r\nCLIENT GETNAME\r\n',
        b"+OK\r\n+OK\r\n$-1\r\n",
        None,
    ),
    (
        b'CLIENT SETNAME "a b"\r\n',
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
        None,
    ),
    (
        b"CLIENT SETNAME\r\n",
        b"-ERR wrong number of arguments for 'client|setname' command\r\n",
        None,
    ),
    (
        b"CLIENT SETINFO LIB-NAME redis-py\r\nCLIENT SETINFO lib-ver 8.2.0\r\n",
        b"+OK\r\n+OK\r\n",
        None,
    ),
    (b"CLIENT SETINFO color red\r\n", b"-ERR Unrecognized option 'color'\r\n", None),
    (
        b'CLIENT SETINFO lib-name "a b"\r\n',
        b"-ERR lib-name cannot contain spaces, newlines or special characters.\r\n",
        None,
    ),
    (
        b"CLIENT MAINT_NOTIFICATIONS on moving-endpoint-type internal-ip\r\n",
        b"-ERR unknown subcommand 'MAINT_NOTIFICATIONS'. Try CLIENT HELP.\r\n",
        None,
    ),
    (b"client nope\r\n", b"-ERR unknown subcommand 'nope'. Try CLIENT HELP.\r\n", None),
    (b"CLIENT\r\n", b"-ERR wrong number of arguments for 'client' command\r\n", None),
    # CONFIG GET, as redis-benchmark sends it before any test: one write, two replies
    (
        b"*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$4\r\nsave\r\n*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$10\r\nappendonly\r\n",
        b"*2\r\n$4\r\nsave\r\n$0\r\n\r\n*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n",
        None,
    ),
    (b"CONFIG GET SAVE\r\n", b"*2\r\n$4\r\nSAVE\r\n$0\r\n\r\n", None),
    (b"CONFIG GET nothing\r\n", b"*0\r\n", None),
    (
        b"CONFIG GET appendon?y save\r\n",
        b"*4\r\n$10\r\nappendonly\r\n$2\r\nno\r\n$4\r\nsave\r\n$0\r\n\r\n",
        None,
    ),
    (b"CONFIG GET max[a-c]*\r\n", b"*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n", None),
    (
        b"HELLO 3\r\nCONFIG GET save\r\n",
        b"%7\r\n" + HELLO_FIELDS % 3 + b"%1\r\n$4\r\nsave\r\n$0\r\n\r\n",
        None,
    ),
    (b"CONFIG GET\r\n", b"-ERR wrong number of arguments for 'config|get' command\r\n", None),
    (b"CONFIG SET save x\r\n", b"-ERR unknown subcommand 'SET'. Try CONFIG HELP.\r\n", None),
    (b"config\r\n", b"-ERR wrong number of arguments for 'config' command\r\n", None),
    # COMMAND
    (b"COMMAND COUNT\r\n", b":8\r\n", None),
    (
        b"COMMAND COUNT x\r\n",
        b"-ERR wrong number of arguments for 'command|count' command\r\n",
        None,
    ),
    (b"COMMAND GETKEYS x\r\n", b"-ERR unknown subcommand 'GETKEYS'. Try COMMAND HELP.\r\n", None),
    (b"COMMAND INFO nosuch\r\n", b"*1\r\n$-1\r\n", None),
    (b"COMMAND DOCS nosuch\r\n", b"*0\r\n", None),
    (
        b"COMMAND LIST\r\n",
        b"*8\r\n$4\r\nping\r\n$4\r\necho\r\n$4\r\nquit\r\n$5\r\nhello\r\n$7\r\ncommand\r\n$6\r\nconfig\r\n$6\r\nclient\r\n$4\r\ninfo\r\n",
        None,
    ),
]


def talk(sent):
    connection, transport = fake_connection()
    connection.data_received(sent)
    return transport


@pytest.mark.parametrize(("sent", "reply", "ending"), REPLIES)
def test_reply(sent, reply, ending):
    transport = talk(sent)
    assert transport.output == reply
    assert len(transport.writes) == 1, "one read, one write"
    assert transport.closed == ending


def test_errors_never_contain_cr_or_lf():
    transport = talk(b"*2\r\n$4\r\na\r\nb\r\n$2\r\n\r\n\r\n")
    line = transport.output
    assert line.count(b"\r\n") == 1
    assert line.endswith(b"\r\n")
    assert b"\n" not in line[:-2]
    assert b"\r" not in line[:-2]


def test_resp3_ping_message_is_bulk_string():
    assert talk(b"HELLO 3\r\nPING hi\r\nPING\r\n").output.endswith(b"$2\r\nhi\r\n+PONG\r\n")


def test_client_ids_grow():
    server = RespServer(ServerConfig())
    ids = []
    for _ in range(3):
        connection, transport = fake_connection(server)
        connection.data_received(b"CLIENT ID\r\n")
        ids.append(transport.output)
    assert ids == [b":1\r\n", b":2\r\n", b":3\r\n"]


def test_command_lists_all_commands():
    two = talk(b"COMMAND\r\n").output
    assert two.startswith(b"*8\r\n*10\r\n$4\r\nping\r\n:-1\r\n*2\r\n+fast\r\n")
    three = talk(b"HELLO 3\r\nCOMMAND\r\n").output
    assert b"*8\r\n*10\r\n$4\r\nping\r\n:-1\r\n~2\r\n+fast\r\n" in three
    assert b"$10\r\nconfig|get\r\n:-3\r\n" in two


def test_command_docs_reply_is_map():
    reply = talk(b"HELLO 3\r\nCOMMAND DOCS ping echo\r\n").output
    docs = reply[reply.index(b"%2\r\n$4\r\nping\r\n") :]
    assert docs.startswith(b"%2\r\n$4\r\nping\r\n%5\r\n$7\r\nsummary\r\n$15\r\nPing the server\r\n")
    assert b"$9\r\narguments\r\n*1\r\n%3\r\n$4\r\nname\r\n$7\r\nmessage\r\n" in docs
    assert b"$4\r\necho\r\n" in docs


def test_help_of_each_container():
    for name in (b"COMMAND", b"CONFIG", b"CLIENT"):
        reply = talk(name + b" HELP\r\n").output
        assert reply.startswith(b"*")
        assert (
            b"+" + name + b" <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n" in reply
        )
        assert reply.endswith(b"+HELP\r\n+    Print this help.\r\n")


def parse_info(text):
    fields = {}
    for line in text.split("\r\n"):
        if line and not line.startswith("#"):
            key, _, value = line.partition(":")
            fields[key] = value
    return fields


def test_info_sections():
    server = RespServer(ServerConfig(max_clients=42))
    connection, transport = fake_connection(server)
    connection.data_received(b"PING\r\nPING\r\n*1\r\n$4\r\nINFO\r\n")
    reply = transport.output
    assert reply.startswith(b"+PONG\r\n+PONG\r\n$")
    text = reply.split(b"\r\n", 3)[3].decode()
    assert text.startswith("# Server\r\nredis_version:7.0.15\r\n")
    assert "\r\n\r\n# Clients\r\n" in text
    assert "\r\n\r\n# Stats\r\n" in text
    fields = parse_info(text)
    assert fields["connected_clients"] == "1"
    assert fields["maxclients"] == "42"
    assert fields["total_commands_processed"] == "2"
    assert fields["total_connections_received"] == "1"


def test_info_section_selection():
    assert b"# Clients" not in talk(b"INFO server\r\n").output
    assert talk(b"INFO server\r\n").output.count(b"# Server") == 1
    assert talk(b"INFO nosuch\r\n").output == b"$0\r\n\r\n"
    assert b"# Stats" in talk(b"INFO CLIENTS Stats\r\n").output


def test_info_is_verbatim_in_resp3():
    reply = talk(b"HELLO 3\r\nINFO server\r\n").output
    assert b"\r\n=" in reply
    assert b"txt:# Server\r\n" in reply


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                b"PING\r\n",
                b"ping hello\r\n",
                b"*1\r\n$4\r\nPING\r\n",
                b"*2\r\n$4\r\nECHO\r\n$5\r\na\r\nbc\r\n",
                b'ECHO "a b" \r\n',
                b"HELLO 3\r\n",
                b"HELLO 2\r\n",
                b"CLIENT SETNAME x\r\n",
                b"CLIENT GETNAME\r\n",
                b"CLIENT ID\r\n",
                b"CONFIG GET save\r\n",
                b"COMMAND COUNT\r\n",
                b"NOSUCH arg\r\n",
                b"\r\n",
                b"*0\r\n",
                b"*-1\r\n",
                b"*2\r\n$4\r\necho\r\n$3\r\n+=|\r\n",
            ]
        ),
        max_size=30,
    ),
    st.lists(st.integers(min_value=0), max_size=10),
)
def test_hypothesis_split_stream_same_replies(requests, cuts):
    stream = b"".join(requests)
    whole_connection, whole = fake_connection()
    if stream:
        whole_connection.data_received(stream)
    points = sorted({cut % (len(stream) + 1) for cut in cuts})
    split_connection, split = fake_connection()
    for start, stop in zip([0, *points], [*points, len(stream)], strict=True):
        if stop > start:
            split_connection.data_received(stream[start:stop])
    assert split.output == whole.output
    assert split.closed == whole.closed
