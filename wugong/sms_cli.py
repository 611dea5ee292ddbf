"""`wugong sms test --phone NUMBER`: send one test code through the configured SMS provider, to
check its settings (keys, sign name, template, endpoint) before people depend on it."""

from __future__ import annotations

import argparse
import secrets
import sys
from typing import Any


def add_commands(commands: Any) -> None:
    parser = commands.add_parser("sms", help="check the SMS provider")
    actions = parser.add_subparsers(dest="sms_command", required=True, metavar="ACTION")
    test = actions.add_parser("test", help="send a test code to a phone through the provider")
    test.add_argument("--phone", required=True, metavar="NUMBER", help="a mainland mobile number")


def run(args: argparse.Namespace) -> int:
    from common.errors import ConfigurationError
    from common.settings import get_settings
    from common.sms import SmsError, sms_provider
    from db.pii import mask_phone

    try:
        provider = sms_provider(get_settings())
        code = f"{secrets.randbelow(10**6):06d}"
        provider.send_code(args.phone, code)
    except (ConfigurationError, SmsError) as error:
        print(f"wugong sms: {error}", file=sys.stderr)
        return 2
    # The code is not printed: the phone shows it, and only the provider's log would too.
    print(f"a test code went to {mask_phone(args.phone)} through {provider.name}")
    return 0
