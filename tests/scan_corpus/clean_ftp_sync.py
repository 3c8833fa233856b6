import ftplib
import os
import smtplib
from contextlib import ExitStack
from email.message import EmailMessage


def sync(host, user, password, remote_dir, local_dir):
    with ftplib.FTP(host) as ftp:
        ftp.login(user, password)
        ftp.cwd(remote_dir)
        for name in ftp.nlst():
            with open(os.path.join(local_dir, name), "wb") as f:
                ftp.retrbinary(f"RETR {name}", f.write)


def mail_reports(bodies, to):
    with ExitStack() as stack:
        server = stack.enter_context(smtplib.SMTP("localhost"))
        for body in bodies:
            msg = EmailMessage()
            msg["To"] = to
            msg.set_content(body)
            server.send_message(msg)


def open_all(paths):
    """Open every file or none: on failure the ones already open are closed."""
    with ExitStack() as stack:
        files = [stack.enter_context(open(p)) for p in paths]
        stack.pop_all()
        return files
