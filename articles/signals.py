"""What other apps may hear from the stories' write functions. `articles` never imports `comments`; the comments
app keeps the one audit trail of what editors do, and listens here for what editors do to stories and to the
picture library its comments show."""

from django.dispatch import Signal

# Sent inside the transaction that changes them, with `editor` (a user) and `changes` (a list of
# articles.services.StoryChange): an editor published, unpublished, closed or reopened stories. A receiver's writes
# commit or roll back with the change.
stories_changed_by_editor = Signal()

# Sent inside the transaction that changes or deletes library pictures, with `names` (the names they had). Comments
# store their HTML, so those showing one of these pictures are rendered again: a deleted or renamed picture's tag
# shows as typed, a new alt text or size reaches them. (A new picture changes no comment already posted.)
pictures_changed = Signal()
