"""Fill a tg-archive SQLite database with posts (run with the bench venv's Python).

Reads JSON lines {id, date, content} from stdin and inserts them with tg-archive's own DB class.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

from tgarchive.db import DB, Message, User


def main() -> None:
    db = DB(sys.argv[1])
    user = User(id=1, username="channel", first_name="Channel", last_name=None, tags=[],
                avatar=None)
    db.insert_user(user)
    for line in sys.stdin:
        m = json.loads(line)
        db.insert_message(Message(
            id=m["id"], type="message", date=datetime.fromisoformat(m["date"]), edit_date=None,
            content=m["content"], reply_to=None, user=user, media=None))
    db.commit()


if __name__ == "__main__":
    main()
