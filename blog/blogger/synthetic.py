"""Write a made-up classic Blogger export of any size, for measuring the importer.

`write_synthetic_export("big.xml", posts=2000)` gives posts with labels, quotes, headings,
links to earlier posts and threaded comments (every other comment answers the one before it),
written entry by entry so even a large file takes little memory to make.
"""

import random
from datetime import UTC, datetime, timedelta
from html import escape
from xml.sax.saxutils import quoteattr

BLOG_ID = "9990001112223334445"
HOST = "https://synthetic-ledger.blogspot.com"
LABELS = ["Harbour", "Council", "Budget", "Ferries", "Weather", "Schools", "Roads", "Letters"]
WORDS = (
    "harbour council levy quay ferry tide budget vote meeting town road school letter winter "
    "summer market bridge pier boat report plan committee mayor island north south"
).split()


def sentence(rng, words=12):
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def comment_html(rng, number, paragraph_break="<br /><br />"):
    """A reader's comment as the export keeps it: most are a line of plain text, every third has
    a second paragraph (after <br />s on Blogger, a blank line on WordPress), every seventh a link."""
    if number % 7 == 0:
        link = f"<a href='https://example.org/notes/{number}'>my notes</a>"
        return f"{sentence(rng, 8)}{paragraph_break}See {link}."
    if number % 3 == 0:
        return f"{sentence(rng, 8)}{paragraph_break}{sentence(rng, 7)}"
    return sentence(rng, 15)


def post_path(number, published):
    return f"/{published:%Y}/{published:%m}/post-{number}.html"


def write_synthetic_export(path, posts=2000, comments_per_post=3, seed=2015):
    """Write the export to `path`; returns (posts, comments) written."""
    rng = random.Random(seed)
    start = datetime(2008, 1, 1, 9, 0, tzinfo=UTC)
    kind = "http://schemas.google.com/blogger/2008/kind#"
    comments = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write(
            "<?xml version='1.0' encoding='UTF-8'?>\n"
            "<feed xmlns='http://www.w3.org/2005/Atom' xmlns:thr='http://purl.org/syndication/thread/1.0'>\n"
            f"<id>tag:blogger.com,1999:blog-{BLOG_ID}.archive</id>\n"
            "<title type='text'>Synthetic Ledger</title>\n"
            f"<link rel='alternate' type='text/html' href='{HOST}/'/>\n"
        )
        dates = [start + timedelta(hours=31 * n + rng.randint(0, 20)) for n in range(posts)]
        # Newest first, as Blogger writes them: links to older posts point forwards in the file.
        for number in reversed(range(posts)):
            published = dates[number]
            paragraphs = "".join(f"<p>{sentence(rng, 30)}</p>" for _ in range(4))
            body = (
                f"<p>{sentence(rng)}</p>{paragraphs}"
                f"<blockquote>{sentence(rng, 20)}<br />Source: "
                f"<a href='https://news.example.org/{number}'>The Example News</a></blockquote>"
                f"<h3>{sentence(rng, 4)}</h3><p>{sentence(rng, 25)}</p>"
            )
            if number:
                earlier = rng.randrange(number)
                earlier_url = HOST + post_path(earlier, dates[earlier])
                body += f"<p>See <a href='{earlier_url}'>an earlier post</a>.</p>"
            address = HOST + post_path(number, published)
            labels = "".join(
                f"<category scheme='http://www.blogger.com/atom/ns#' term='{label}'/>"
                for label in rng.sample(LABELS, 2)
            )
            out.write(
                f"<entry><id>tag:blogger.com,1999:blog-{BLOG_ID}.post-{number + 1}</id>"
                f"<published>{published.isoformat()}</published><updated>{published.isoformat()}</updated>"
                f"<category scheme='http://schemas.google.com/g/2005#kind' term='{kind}post'/>{labels}"
                f"<title type='text'>Post {number}: {escape(sentence(rng, 5))}</title>"
                f"<content type='html'>{escape(body)}</content>"
                f"<link rel='alternate' type='text/html' href={quoteattr(address)}/>"
                "<author><name>Synthetic Author</name></author></entry>\n"
            )
        for number in range(posts):
            for reply in range(comments_per_post):
                comment_id = f"{number + 1}{reply:03d}0"
                related = ""
                if reply % 2 == 1:
                    parent = f"{number + 1}{reply - 1:03d}0"
                    feed = f"https://www.blogger.com/feeds/{BLOG_ID}/{number + 1}/comments/default"
                    related = f"<link rel='related' href='{feed}/{parent}'/>"
                when = dates[number] + timedelta(minutes=10 * (reply + 1))
                out.write(
                    f"<entry><id>tag:blogger.com,1999:blog-{BLOG_ID}.post-{comment_id}</id>"
                    f"<published>{when.isoformat()}</published><updated>{when.isoformat()}</updated>"
                    f"<category scheme='http://schemas.google.com/g/2005#kind' term='{kind}comment'/>"
                    f"<content type='html'>{escape(comment_html(rng, comments))}</content>{related}"
                    f"<author><name>Reader {reply}</name></author>"
                    f"<thr:in-reply-to ref='tag:blogger.com,1999:blog-{BLOG_ID}.post-{number + 1}'/>"
                    "</entry>\n"
                )
                comments += 1
        out.write("</feed>\n")
    return posts, comments
