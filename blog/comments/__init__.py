"""Reader comments on posts, django-comments-xtd's XtdComment rows, one module per concern.

- ``status``: the four statuses a comment can have and how each is stored (``CommentStatus``).
- ``threads``: a post's thread as readers see it, rendered, with its count.
- ``moderation``: the moderator xtd calls for every new comment, its rules, ``set_status``.
- ``spam``: the Akismet check, moderators' verdicts sent back to it, counting links.
- ``limits``: how many comments one address may post in a while.
- ``notifications``: the moderators' and followers' emails and the links that mute them.

Nothing is imported here, so ``blog.models`` can use ``status`` without loading the rest.
"""
