#!/usr/bin/env python3
"""A script with pinned inline metadata."""
# /// script
# dependencies = [
#   "requests==2.31.0",
#   'rich==13.7.1 ; sys_platform == "win32"',
#   "click==8.1.7",
# ]
# [tool.some-runner]
# x = 1
# ///
print("hello")
