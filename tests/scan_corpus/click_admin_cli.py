import sqlite3
import subprocess

import click


@click.group()
def cli():
    pass


@cli.command()
@click.argument("username")
def delete_user(username):
    with sqlite3.connect("app.db") as conn:
        conn.execute(f"DELETE FROM users WHERE name = '{username}'")  # expect: PW104


@cli.command()
@click.option("--expr", required=True)
def calc(expr):
    click.echo(eval(expr))  # expect: PW101


@cli.command()
@click.argument("pattern")
def grep_logs(pattern):
    subprocess.run(f"grep -r {pattern} /var/log/app", shell=True)  # expect: PW103


@cli.command()
@click.argument("user_id", type=int)
def show(user_id):
    with sqlite3.connect("app.db") as conn:
        row = conn.execute("SELECT name FROM users WHERE id = ?", (user_id,)).fetchone()
    click.echo(row)
