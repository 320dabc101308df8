"""python -m rerun_notebook serve [--bind-address localhost] [--port 8080]"""

import argparse

from .asset_server import serve

parser = argparse.ArgumentParser(prog="python -m rerun_notebook")
commands = parser.add_subparsers(dest="command", required=True)
serve_command = commands.add_parser("serve", help="serve widget.js and the Viewer")
serve_command.add_argument("--bind-address", default="localhost")
serve_command.add_argument("--port", type=int, default=8080)
args = parser.parse_args()
serve(args.bind_address, args.port)
