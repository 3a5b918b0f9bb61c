"""Write a made-up WordPress export (WXR 1.2) of any size, for measuring the importer.

`write_synthetic_export("big.xml", posts=2000)` gives posts in categories and tags, some
classic-editor and some block-editor bodies, links to earlier posts (by permalink and by
`?p=`), and threaded comments, written item by item so even a large file takes little memory
to make. Comments nest: each answers the one before it, but every third starts a new thread.
"""

import random
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

from blog.blogger.synthetic import LABELS, comment_html, sentence

BLANK_LINE = "\n\n"  # WordPress keeps a comment's paragraphs apart with a blank line

HOST = "https://synthetic-gazette.example"
CATEGORIES = ["News", "Opinion", "Harbour", "Culture"]


def cdata(text):
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def permalink(number, published):
    return f"{HOST}/{published:%Y/%m/%d}/post-{number}/"


def body(rng, number, dates):
    """Every other post as the classic editor stores it (blank-line paragraphs), the others as the
    block editor does (HTML between block comments)."""
    earlier = ""
    if number:
        other = rng.randrange(number)
        earlier = (
            f'See <a href="{permalink(other, dates[other])}">an earlier post</a> '
            f'and <a href="{HOST}/?p={other + 1}">another</a>.'
        )
    if number % 2:
        paragraphs = "\n\n".join(sentence(rng, 30) for _ in range(4))
        return (
            f"{sentence(rng)}\n\n{paragraphs}\n\n<blockquote>{sentence(rng, 20)}</blockquote>\n\n"
            f"<h3>{sentence(rng, 4)}</h3>\n\n{earlier}"
        )
    blocks = "".join(
        f"<!-- wp:paragraph -->\n<p>{sentence(rng, 30)}</p>\n<!-- /wp:paragraph -->\n\n" for _ in range(4)
    )
    return (
        f"{blocks}<!-- wp:heading -->\n<h2>{sentence(rng, 4)}</h2>\n<!-- /wp:heading -->\n\n"
        f'<!-- wp:code -->\n<pre class="wp-block-code"><code>print({number})</code></pre>\n'
        f"<!-- /wp:code -->\n\n<!-- wp:paragraph -->\n<p>{earlier}</p>\n<!-- /wp:paragraph -->"
    )


def write_synthetic_export(path, posts=2000, comments_per_post=5, seed=2018):
    """Write the export to `path`; returns (posts, comments) written."""
    rng = random.Random(seed)
    start = datetime(2010, 1, 1, 9, 0, tzinfo=UTC)
    dates = [start + timedelta(hours=31 * n + rng.randint(0, 20)) for n in range(posts)]
    comments = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8" ?>\n'
            '<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">\n'
            f"<channel><title>Synthetic Gazette</title><link>{HOST}</link>"
            f"<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>{HOST}</wp:base_site_url>"
            f"<wp:base_blog_url>{HOST}</wp:base_blog_url>\n"
            "<wp:author><wp:author_login>editor</wp:author_login>"
            "<wp:author_display_name>Synthetic Editor</wp:author_display_name></wp:author>\n"
        )
        for number in range(posts):
            published = dates[number]
            labels = rng.sample(LABELS, 2)
            category = rng.choice(CATEGORIES)
            terms = f'<category domain="category" nicename="{category.lower()}">{category}</category>'
            terms += "".join(
                f'<category domain="post_tag" nicename="{label.lower()}">{label}</category>'
                for label in labels
            )
            replies = []
            for reply in range(comments_per_post):
                comment_id = (number + 1) * 1000 + reply + 1
                parent = comment_id - 1 if reply % 3 else 0
                when = published + timedelta(minutes=10 * (reply + 1))
                approved = "0" if reply == 4 else "1"
                text = comment_html(rng, comments, BLANK_LINE)
                replies.append(
                    f"<wp:comment><wp:comment_id>{comment_id}</wp:comment_id>"
                    f"<wp:comment_author>Reader {reply}</wp:comment_author>"
                    f"<wp:comment_author_email>reader{reply}@readers.example</wp:comment_author_email>"
                    f"<wp:comment_date_gmt>{when:%Y-%m-%d %H:%M:%S}</wp:comment_date_gmt>"
                    f"<wp:comment_content>{cdata(text)}</wp:comment_content>"
                    f"<wp:comment_approved>{approved}</wp:comment_approved><wp:comment_type>comment</wp:comment_type>"
                    f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"
                )
                comments += 1
            out.write(
                f"<item><title>{escape(f'Post {number}: ' + sentence(rng, 5))}</title>"
                f"<link>{permalink(number, published)}</link><dc:creator>editor</dc:creator>"
                f"<content:encoded>{cdata(body(rng, number, dates))}</content:encoded>"
                f"<wp:post_id>{number + 1}</wp:post_id>"
                f"<wp:post_date_gmt>{published:%Y-%m-%d %H:%M:%S}</wp:post_date_gmt>"
                f"<wp:comment_status>open</wp:comment_status><wp:post_name>post-{number}</wp:post_name>"
                f"<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>{terms}"
                + "".join(replies)
                + "</item>\n"
            )
        out.write("</channel>\n</rss>\n")
    return posts, comments
