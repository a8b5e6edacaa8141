"""The command table: names, arities, flags, documentation, and dispatch.

``dispatch(conn, argv)`` looks a command up case-insensitively, checks its arity as
Redis does, and replies to unknown commands and subcommands with Redis's errors.
``HANDLERS`` maps command names, in upper and lower case, to checked handlers.
"""

from dataclasses import dataclass, field

from respserver.commands import (
    ERR_UNKNOWN_SUBCOMMAND,
    arity_error,
    client_getname,
    client_id,
    client_setinfo,
    client_setname,
    command_all,
    command_count,
    command_docs,
    command_info,
    command_list,
    config_get,
    cstring,
    echo,
    hello,
    info,
    ping,
    quit_command,
    unknown_command,
)
from respserver.encoder import SimpleString, encode, error


@dataclass
class Command:
    """Command entry: its handler, arity, flags and documentation.

    A negative arity -N means at least N arguments, counting the command name.
    """

    name: str
    handler: object
    arity: int
    flags: tuple = ()
    categories: tuple = ()
    summary: str = ""
    since: str = "1.0.0"
    group: str = "connection"
    complexity: str = "O(1)"
    # (name, type, optional) of each argument, for COMMAND DOCS. Only plain types are
    # used, because redis-cli 7.0 reads the sub-arguments of "oneof" and "block"
    # arguments without checking that they exist, and crashes.
    arguments: tuple = ()
    subcommands: dict = field(default_factory=dict)
    parent: "Command | None" = None

    @property
    def fullname(self):
        return f"{self.parent.name}|{self.name}" if self.parent else self.name

    def info(self):
        """Return the entry of this command in COMMAND and COMMAND INFO replies."""
        return [
            self.fullname,
            self.arity,
            frozenset(SimpleString(flag) for flag in self.flags),
            0,
            0,
            0,
            frozenset(SimpleString(f"@{category}") for category in self.categories),
            [],
            [],
            [sub.info() for sub in self.subcommands.values()],
        ]

    def docs(self):
        """Return the entry of this command in COMMAND DOCS replies."""
        # Redis's summaries end without a full stop.
        doc = {
            "summary": self.summary.rstrip("."),
            "since": self.since,
            "group": self.group,
            "complexity": self.complexity,
        }
        if self.arguments:
            doc["arguments"] = [
                {
                    "name": name,
                    "type": kind,
                    **({"flags": frozenset({SimpleString("optional")})} if optional else {}),
                }
                for name, kind, optional in self.arguments
            ]
        if self.subcommands:
            doc["subcommands"] = {sub.fullname: sub.docs() for sub in self.subcommands.values()}
        return doc


# building the table


def _help(container, lines):
    def handler(conn, argv):
        text = [f"{container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", *lines]
        return encode([SimpleString(line) for line in text], conn.proto)

    return handler


_HELP_LINE = ("HELP", "    Print this help.")


def _container(name, subcommands, **docs):
    command = Command(name, None, -2, flags=("container",), **docs)
    for sub in subcommands:
        sub.parent = command
        command.subcommands[sub.name.upper()] = sub
    return command


def _table():
    commands = [
        Command(
            "ping",
            ping,
            -1,
            ("fast", "sentinel"),
            ("fast", "connection"),
            "Ping the server.",
            arguments=(("message", "string", True),),
        ),
        Command(
            "echo",
            echo,
            2,
            ("fast",),
            ("fast", "connection"),
            "Echo the given string.",
            arguments=(("message", "string", False),),
        ),
        Command(
            "quit",
            quit_command,
            -1,
            ("noscript", "loading", "stale", "fast", "no_auth", "allow_busy"),
            ("fast", "connection"),
            "Close the connection.",
        ),
        Command(
            "hello",
            hello,
            -1,
            ("noscript", "loading", "stale", "fast", "no_auth", "sentinel", "allow_busy"),
            ("fast", "connection"),
            "Handshake with Redis.",
            since="6.0.0",
            arguments=(
                ("protover", "integer", True),
                ("username", "string", True),
                ("password", "string", True),
                ("clientname", "string", True),
            ),
        ),
        _container(
            "command",
            [
                Command(
                    "count",
                    command_count,
                    2,
                    ("loading", "stale"),
                    ("slow", "connection"),
                    "Get total number of Redis commands.",
                    since="2.8.13",
                    group="server",
                ),
                Command(
                    "docs",
                    command_docs,
                    -2,
                    ("loading", "stale"),
                    ("slow", "connection"),
                    "Get array of specific Redis command documentation.",
                    since="7.0.0",
                    group="server",
                    complexity="O(N) where N is the number of commands to look up",
                    arguments=(("command-name", "string", True),),
                ),
                Command(
                    "info",
                    command_info,
                    -2,
                    ("loading", "stale"),
                    ("slow", "connection"),
                    "Get array of specific Redis command details, or all when no argument is given.",
                    since="2.8.13",
                    group="server",
                    complexity="O(N) where N is the number of commands to look up",
                    arguments=(("command-name", "string", True),),
                ),
                Command(
                    "list",
                    command_list,
                    -2,
                    ("loading", "stale"),
                    ("slow", "connection"),
                    "Get an array of Redis command names.",
                    since="7.0.0",
                    group="server",
                    complexity="O(N) where N is the total number of Redis commands",
                ),
                Command(
                    "help",
                    None,
                    2,
                    ("loading", "stale"),
                    ("slow", "connection"),
                    "Show helpful text about the different subcommands.",
                    since="5.0.0",
                    group="server",
                ),
            ],
            summary="Get array of Redis command details.",
            since="2.8.13",
            group="server",
            complexity="O(N) where N is the total number of Redis commands",
        ),
        _container(
            "config",
            [
                Command(
                    "get",
                    config_get,
                    -3,
                    ("admin", "noscript", "loading", "stale"),
                    ("admin", "slow", "dangerous"),
                    "Get the values of configuration parameters.",
                    since="2.0.0",
                    group="server",
                    complexity="O(N) when N is the number of configuration parameters provided",
                    arguments=(("parameter", "string", False),),
                ),
                Command(
                    "help",
                    None,
                    2,
                    ("loading", "stale"),
                    ("slow",),
                    "Show helpful text about the different subcommands.",
                    since="5.0.0",
                    group="server",
                ),
            ],
            summary="A container for server configuration commands.",
            since="2.0.0",
            group="server",
            complexity="Depends on subcommand.",
        ),
        _container(
            "client",
            [
                Command(
                    "id",
                    client_id,
                    2,
                    ("noscript", "loading", "stale"),
                    ("slow", "connection"),
                    "Returns the client ID for the current connection.",
                    since="5.0.0",
                ),
                Command(
                    "setname",
                    client_setname,
                    3,
                    ("noscript", "loading", "stale"),
                    ("slow", "connection"),
                    "Set the current connection name.",
                    since="2.6.9",
                    arguments=(("connection-name", "string", False),),
                ),
                Command(
                    "getname",
                    client_getname,
                    2,
                    ("noscript", "loading", "stale"),
                    ("slow", "connection"),
                    "Get the current connection name.",
                    since="2.6.9",
                ),
                Command(
                    "setinfo",
                    client_setinfo,
                    4,
                    ("noscript", "loading", "stale"),
                    ("slow", "connection"),
                    "Set client or connection specific info.",
                    since="7.2.0",
                    arguments=(("attr", "string", False), ("value", "string", False)),
                ),
                Command(
                    "help",
                    None,
                    2,
                    ("loading", "stale"),
                    ("slow", "connection"),
                    "Show helpful text about the different subcommands.",
                    since="5.0.0",
                ),
            ],
            summary="A container for client connection commands.",
            since="2.4.0",
            complexity="Depends on subcommand.",
        ),
        Command(
            "info",
            info,
            -1,
            ("loading", "stale", "sentinel"),
            ("slow", "dangerous"),
            "Get information and statistics about the server.",
            group="server",
            arguments=(("section", "string", True),),
        ),
    ]
    table = {command.name.upper(): command for command in commands}
    help_lines = {
        "COMMAND": [
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
        ],
        "CONFIG": [
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
        ],
        "CLIENT": [
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "SETINFO <option> <value>",
            "    Set client meta attr. Options are:",
            "    * LIB-NAME: the client lib name.",
            "    * LIB-VER: the client lib version.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
        ],
    }
    for name, lines in help_lines.items():
        table[name].subcommands["HELP"].handler = _help(name, [*lines, *_HELP_LINE])
    return table


COMMANDS = _table()


def _checked(command):
    """Wrap ``command``'s handler with Redis's arity check."""
    arity = command.arity
    handler = command.handler
    message = arity_error(command.fullname)

    def run(conn, argv):
        n = len(argv)
        if (arity > 0 and n != arity) or n < -arity:
            return message
        return handler(conn, argv)

    return run


def _container_handler(command):
    subcommands = {name.encode(): _checked(sub) for name, sub in command.subcommands.items()}
    too_few = arity_error(command.fullname)
    # COMMAND alone lists every command, but CONFIG and CLIENT alone are arity errors.
    alone = command_all if command.name == "command" else None

    def run(conn, argv):
        if len(argv) == 1:
            return alone(conn, argv) if alone else too_few
        handler = subcommands.get(argv[1].upper())
        if handler is None:
            return error(ERR_UNKNOWN_SUBCOMMAND % (cstring(argv[1]), argv[0].upper()))
        return handler(conn, argv)

    return run


def _handlers():
    handlers = {}
    for name, command in COMMANDS.items():
        if command.subcommands:
            run = _container_handler(command)
        elif command.handler in (ping, echo, quit_command, hello):
            run = command.handler  # these check their own arguments, as in Redis
        else:
            run = _checked(command)
        # Both cases that clients send, to skip upper() on the common path.
        handlers[name.encode()] = handlers[name.lower().encode()] = run
    return handlers


HANDLERS = _handlers()


def unknown(conn, argv):
    return unknown_command(argv)


def resolve(name, handlers=HANDLERS):
    """Return the handler of command ``name`` in any case, or the unknown-command one."""
    return handlers.get(name.upper(), unknown)


def dispatch(conn, argv, handlers=HANDLERS):
    """Run one request and return its reply. QUIT raises ``CloseAfterReply``."""
    handler = handlers.get(argv[0]) or resolve(argv[0])
    return handler(conn, argv)
