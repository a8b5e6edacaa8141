"""Command handlers that reply as Redis 7.0 does.

A handler takes the connection and the request's arguments (``bytes``) and returns the
bytes of its reply. The connection gives ``proto``, ``client_id``, ``name``,
``lib_name``, ``lib_ver``, ``batch`` and ``server``. QUIT raises ``CloseAfterReply``,
whose reply is the last one. The connection closes once that reply is sent. The table of
commands, with arities and documentation, is in ``respserver.table``.
"""

from respserver import encoder
from respserver.constants import CRLF
from respserver.encoder import OK, PONG, Verbatim, bulk, encode, error, integer, null
from respserver.protocol import string2ll

# Error replies of Redis 7.0 (and 7.2 for CLIENT SETINFO).
ERR_ARITY = "ERR wrong number of arguments for '{}' command"
ERR_UNKNOWN_SUBCOMMAND = b"ERR unknown subcommand '%s'. Try %s HELP."
ERR_PROTO_VERSION = "ERR Protocol version is not an integer or out of range"
ERR_NOPROTO = "NOPROTO unsupported protocol version"
ERR_HELLO_OPTION = b"ERR Syntax error in HELLO option '%s'"
ERR_WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
ERR_CLIENT_NAME = "ERR Client names cannot contain spaces, newlines or special characters."
ERR_SETINFO_OPTION = b"ERR Unrecognized option '%s'"
ERR_SETINFO_VALUE = b"ERR %s cannot contain spaces, newlines or special characters."
ERR_SYNTAX = "ERR syntax error"

# Redis version that HELLO and INFO report, and whose behaviour this server follows.
REDIS_VERSION = "7.0.15"
# Redis cuts names and arguments quoted in errors to this many bytes.
QUOTE_MAX = 128


class CloseAfterReply(Exception):  # noqa: N818 (a signal, not an error)
    """Signal raised by QUIT to send ``reply`` and close the connection.

    No request after ``argv``, the QUIT request, is run.
    """

    def __init__(self, reply, argv):
        super().__init__("close after reply")
        self.reply = reply
        self.argv = argv


def cstring(value, limit=QUOTE_MAX):
    """Cut ``value`` at its first NUL and to ``limit`` bytes, as C's "%.128s" does."""
    end = value.find(b"\x00")
    if end >= 0:
        value = value[:end]
    return value[:limit]


def arity_error(fullname):
    """Return the error reply for the wrong number of arguments to ``fullname``."""
    return error(ERR_ARITY.format(fullname))


PING_ARITY = arity_error("ping")
ECHO_ARITY = arity_error("echo")


def unknown_command(argv):
    args = b""
    for arg in argv[1:]:
        if len(args) >= QUOTE_MAX:
            break
        args += b"'" + cstring(arg, QUOTE_MAX - len(args)) + b"' "
    return error(
        b"ERR unknown command '" + cstring(argv[0]) + b"', with args beginning with: " + args
    )


def _valid_attribute(value):
    # Client names and library attributes: printable ASCII without spaces.
    return all(0x21 <= byte <= 0x7E for byte in value)


# connection


def ping(conn, argv, pong=PONG, headers=encoder.BULK_HEADERS, crlf=CRLF):
    n = len(argv)
    if n == 1:
        return pong
    if n == 2:
        arg = argv[1]
        return headers[len(arg)] + arg + crlf if len(arg) < 1024 else bulk(arg)
    return PING_ARITY


def echo(conn, argv, headers=encoder.BULK_HEADERS, crlf=CRLF):
    if len(argv) == 2:
        arg = argv[1]
        return headers[len(arg)] + arg + crlf if len(arg) < 1024 else bulk(arg)
    return ECHO_ARITY


def quit_command(conn, argv):
    raise CloseAfterReply(OK, argv)


def hello(conn, argv):
    version = 0
    index = 1

    if len(argv) >= 2:
        version = string2ll(argv[1])
        if version is None:
            return error(ERR_PROTO_VERSION)
        if version < 2 or version > 3:
            return error(ERR_NOPROTO)
        index = 2

    name = None
    while index < len(argv):
        option = argv[index].upper()
        more = len(argv) - 1 - index
        if option == b"AUTH" and more >= 2:
            # NOTE: there are no users and no passwords. "default" is Redis's user
            # without a password, which accepts any password.
            if argv[index + 1] != b"default":
                return error(ERR_WRONGPASS)
            index += 3
        elif option == b"SETNAME" and more >= 1:
            name = argv[index + 1]
            index += 2
        else:
            return error(ERR_HELLO_OPTION % cstring(argv[index], len(argv[index])))

    if name is not None:
        if not _valid_attribute(name):
            return error(ERR_CLIENT_NAME)
        conn.name = name or None
    if version:
        conn.proto = version
    return encode(
        {
            "server": "redis",
            "version": REDIS_VERSION,
            "proto": conn.proto,
            "id": conn.client_id,
            "mode": "standalone",
            "role": "master",
            "modules": [],
        },
        conn.proto,
    )


# client


def client_id(conn, argv):
    return integer(conn.client_id)


def client_setname(conn, argv):
    name = argv[2]
    if not _valid_attribute(name):
        return error(ERR_CLIENT_NAME)
    conn.name = name or None
    return OK


def client_getname(conn, argv):
    return bulk(conn.name) if conn.name else null(conn.proto)


def client_setinfo(conn, argv):
    attribute = argv[2].lower()
    value = argv[3]
    if attribute not in (b"lib-name", b"lib-ver"):
        return error(ERR_SETINFO_OPTION % cstring(argv[2], len(argv[2])))
    if not _valid_attribute(value):
        return error(ERR_SETINFO_VALUE % cstring(argv[2], len(argv[2])))
    if attribute == b"lib-name":
        conn.lib_name = value or None
    else:
        conn.lib_ver = value or None
    return OK


# config


def stringmatch(pattern, string):
    """Match ``string`` against a Redis glob, ignoring case, as CONFIG GET does.

    Supports ``*``, ``?``, ``[abc]``, ``[^abc]``, ``[a-z]`` and ``\\`` escapes, with the
    edge cases of Redis's stringmatchlen. An unclosed ``[`` runs to the end of the
    pattern, and a reversed range matches like the straight one.
    """
    pattern = pattern.lower()
    string = string.lower()
    return _match(pattern, 0, string, 0)


def _match(p, i, s, j):
    while i < len(p) and j <= len(s):
        char = p[i]
        if char == "*":
            while i + 1 < len(p) and p[i + 1] == "*":
                i += 1
            if i + 1 == len(p):
                return True
            return any(_match(p, i + 1, s, k) for k in range(j, len(s) + 1))
        if j == len(s):
            return False
        if char == "?":
            pass
        elif char == "[":
            i += 1
            negate = i < len(p) and p[i] == "^"
            if negate:
                i += 1
            matched = False
            while True:
                if i < len(p) - 1 and p[i] == "\\":
                    i += 1
                    matched |= p[i] == s[j]
                elif i < len(p) and p[i] == "]":
                    break
                elif i >= len(p):
                    i -= 1
                    break
                elif i + 2 < len(p) and p[i + 1] == "-":
                    low, high = sorted((p[i], p[i + 2]))
                    matched |= low <= s[j] <= high
                    i += 2
                else:
                    matched |= p[i] == s[j]
                i += 1
            if matched == negate:
                return False
        elif char == "\\" and i + 1 < len(p):
            i += 1
            if p[i] != s[j]:
                return False
        elif char != s[j]:
            return False
        i += 1
        j += 1
    return i == len(p) and j == len(s)


def config_get(conn, argv):
    values = conn.server.config_values()
    matches = {}
    for raw in argv[2:]:
        pattern = raw.decode("latin-1")
        if not any(char in pattern for char in "[*?"):
            # An exact name is matched case-insensitively and echoed as sent.
            name = pattern.lower()
            if name in values and pattern not in matches:
                matches[pattern] = values[name]
            continue
        for name, value in values.items():
            if name not in matches and stringmatch(pattern, name):
                matches[name] = value
    return encode(matches, conn.proto)


# command


def _table():
    # Imported at call time, because respserver.table imports this module's handlers.
    from respserver.table import COMMANDS

    return COMMANDS


def command_all(conn, argv):
    commands = _table()
    return encode([command.info() for command in commands.values()], conn.proto)


def command_count(conn, argv):
    commands = _table()
    return integer(len(commands))


def command_info(conn, argv):
    commands = _table()
    if len(argv) == 2:
        return command_all(conn, argv)
    infos = []
    for name in argv[2:]:
        command = commands.get(name.decode("latin-1").upper())
        infos.append(command.info() if command else None)
    return encode(infos, conn.proto)


def command_docs(conn, argv):
    commands = _table()
    names = [name.decode("latin-1").upper() for name in argv[2:]] or list(commands)
    docs = {commands[name].name: commands[name].docs() for name in names if name in commands}
    return encode(docs, conn.proto)


def command_list(conn, argv):
    commands = _table()
    if len(argv) > 2:
        return error(ERR_SYNTAX)
    return encode([command.name for command in commands.values()], conn.proto)


# info

INFO_SECTIONS = ("server", "clients", "stats")


def info(conn, argv):
    requested = [arg.decode("latin-1").lower() for arg in argv[1:]] or ["default"]
    if any(name in ("default", "all", "everything") for name in requested):
        requested = list(INFO_SECTIONS)

    # Redis counts the requests run before this one in the same read.
    earlier = next((index for index, request in enumerate(conn.batch) if request is argv), 0)
    sections = conn.server.info_sections(earlier)

    parts = []
    for name in INFO_SECTIONS:
        if name in requested:
            lines = "".join(f"{key}:{value}\r\n" for key, value in sections[name].items())
            parts.append(f"# {name.capitalize()}\r\n{lines}")
    return encode(Verbatim("\r\n".join(parts)), conn.proto)
