import ftplib
import os
import smtplib
from email.message import EmailMessage


def sync(host, user, password, remote_dir, local_dir):
    ftp = ftplib.FTP(host)  # expect: PW201
    ftp.login(user, password)
    ftp.cwd(remote_dir)
    for name in ftp.nlst():
        with open(os.path.join(local_dir, name), "wb") as f:
            ftp.retrbinary(f"RETR {name}", f.write)
    ftp.quit()


def mail_report(body, to):
    msg = EmailMessage()
    msg["To"] = to
    msg["Subject"] = "sync report"
    msg.set_content(body)
    server = smtplib.SMTP("localhost")  # expect: PW201
    server.send_message(msg)


def mail_report_ok(body, to):
    msg = EmailMessage()
    msg["To"] = to
    msg.set_content(body)
    with smtplib.SMTP("localhost") as server:
        server.send_message(msg)
