"""Demo posts for Broadsheet: a fictional city-politics commentary blog, written for this project.

Paragraph text may hold `{link:<slug>}...{/link}` to link to an earlier demo post.
"""

AUTHORS = [
    (
        "Maren Okafor",
        "Covers the council chamber and the city budget. Has read every annual report since 2009.",
    ),
    ("Tomas Lindqvist", "Writes on transit, housing and the arithmetic behind both."),
]

BLOG_INTRO = (
    "<p>Commentary on the politics of Port Alder: the council, the budget, the harbour "
    "and the people who argue about them.</p>"
)

HOME_INTRO = (
    "<p><b>The Harbour Ledger</b> has followed Port Alder's city hall since 2016. "
    "We read the documents so you do not have to, and we quote our sources.</p>"
)

# (slug, title, date, authors, tags, intro, body)
POSTS = [
    (
        "the-harbour-levy-explained",
        "The harbour levy, explained",
        "2016-03-14 08:30",
        ["Maren Okafor"],
        ["Budget", "Harbour", "Council"],
        "What the new levy costs a household, where the money goes, and what the council did not say.",
        [
            (
                "paragraph",
                "<p>On Friday the council voted seven to four for a levy on harbour berths. "
                "The headline number is small; the interesting part is the schedule attached to it.</p>",
            ),
            ("heading", "What it costs"),
            (
                "paragraph",
                "<p>A household that owns no boat pays nothing directly. The levy falls on "
                "berth holders, and the council's own estimate is that a third of it will be passed on "
                "to ferry fares within two years.</p>",
            ),
            (
                "quote",
                (
                    "The levy is a user charge, not a tax. Those who use the harbour will pay for it.",
                    "The Alder Courier",
                    "https://courier.example.org/2016/03/harbour-levy",
                ),
            ),
            (
                "paragraph",
                "<p>That is true in the way most half-truths are: the ferry users <i>are</i> "
                "harbour users, they simply never chose to be.</p>",
            ),
        ],
    ),
    (
        "a-budget-in-three-numbers",
        "A budget in three numbers",
        "2016-11-02 19:05",
        ["Maren Okafor"],
        ["Budget", "Council"],
        "Forget the four hundred pages: three figures tell you what this budget does.",
        [
            (
                "paragraph",
                "<p>Every November the city publishes a budget nobody reads. This year we "
                "read it, and three numbers are enough to follow the argument.</p>",
            ),
            ("heading", "Debt service"),
            (
                "paragraph",
                "<p>Interest payments rise by eleven percent. That is the cost of the "
                "{link:the-harbour-levy-explained}harbour works{/link} we wrote about in March.</p>",
            ),
            (
                "quote",
                (
                    "We are not borrowing for today. We are borrowing for the next forty years of "
                    "the waterfront.",
                    "Deputy mayor, speaking to Northshore Radio",
                    "",
                ),
            ),
            (
                "code",
                (
                    "text",
                    "Debt service   2015: 14.2m   2016: 15.8m   change: +11%\n"
                    "Transit grant  2015:  6.0m   2016:  5.1m   change: -15%\n"
                    "Reserves       2015:  9.9m   2016:  7.4m   change: -25%",
                ),
            ),
            (
                "paragraph",
                "<p>The transit grant falls while the reserves shrink. Something has to give, "
                "and the budget does not say what.</p>",
            ),
        ],
    ),
    (
        "the-tram-that-was-never-built",
        "The tram that was never built",
        "2017-04-21 12:00",
        ["Tomas Lindqvist"],
        ["Transit", "History"],
        "Port Alder planned a tram line three times. Here is why it failed each time.",
        [
            (
                "paragraph",
                "<p>The first tram plan dates from 1962, the second from 1988 and the third "
                "from 2009. Each one died in a different committee.</p>",
            ),
            (
                "image",
                (
                    "The unbuilt tram route along Quay Street",
                    "The 2009 route, as drawn in the plan.",
                    "City archive",
                ),
            ),
            (
                "quote",
                (
                    "A tram is a promise made in steel. Buses are promises made in timetables, and "
                    "timetables are easy to break.",
                    "Provincial Gazette",
                    "https://gazette.example.net/transit/tram-promise",
                ),
            ),
            (
                "paragraph",
                "<p>The lesson is not that trams are too expensive. It is that the city has never "
                "kept a transport plan past one election.</p>",
            ),
        ],
    ),
    (
        "rents-up-wages-flat",
        "Rents up, wages flat",
        "2017-09-08 07:45",
        ["Tomas Lindqvist"],
        ["Housing", "Economy"],
        "The housing report's most important chart is on page 61.",
        [
            (
                "paragraph",
                "<p>Median rent rose nineteen percent over five years; the median wage in the "
                "same period rose four. The report mentions this once, on page 61.</p>",
            ),
            ("heading", "What the report recommends"),
            (
                "paragraph",
                "<ul><li>More zoning for flats near the ferry terminals</li>"
                "<li>A register of short-term lets</li><li>A study of a study of rent controls</li></ul>",
            ),
            (
                "quote",
                (
                    "<p>We must be careful not to frighten investors.</p><p>The market will correct itself "
                    "if we let it.</p>",
                    "Chair of the housing committee, quoted in The Alder Courier",
                    "https://courier.example.org/2017/09/housing-report",
                ),
            ),
        ],
    ),
    (
        "election-night-notes",
        "Election night notes",
        "2018-10-22 23:50",
        ["Maren Okafor", "Tomas Lindqvist"],
        ["Elections", "Council"],
        "Four new councillors, one recount, and a turnout nobody predicted.",
        [
            (
                "paragraph",
                "<p>Turnout was fifty-three percent, the highest since 1994. The harbour wards "
                "voted as if the {link:the-harbour-levy-explained}levy{/link} were on the ballot.</p>",
            ),
            ("heading", "The recount in Ward 6"),
            (
                "paragraph",
                "<p>Eleven votes separate the two candidates. A recount is automatic under fifteen.</p>",
            ),
            (
                "quote",
                (
                    "People are tired of hearing that the ferry is a luxury.",
                    "A voter outside the Ward 6 polling station, speaking to Northshore Radio",
                    "",
                ),
            ),
            (
                "embed",
                (
                    "https://www.youtube.com/watch?v=aqz-KE-bpKQ",
                    "The count at city hall, as streamed by the council.",
                ),
            ),
        ],
    ),
    (
        "what-the-recount-found",
        "What the recount found",
        "2018-11-05 16:20",
        ["Maren Okafor"],
        ["Elections"],
        "The Ward 6 result stands, but the recount turned up a problem with postal ballots.",
        [
            (
                "paragraph",
                "<p>Two weeks after {link:election-night-notes}election night{/link}, the recount "
                "confirmed the result in Ward 6 by nine votes.</p>",
            ),
            (
                "quote",
                (
                    "Forty-one postal ballots arrived after the deadline because the city's own "
                    "envelopes carried the wrong return address.",
                    "Returning officer's report",
                    "https://elections.example.gov/ward6-recount",
                ),
            ),
            (
                "paragraph",
                "<p>Nobody suggests the late ballots would have changed the outcome. They "
                "should still have been counted.</p>",
            ),
        ],
    ),
    (
        "the-seawall-and-the-sea",
        "The seawall and the sea",
        "2019-06-30 10:10",
        ["Tomas Lindqvist"],
        ["Environment", "Harbour"],
        "The engineers say the seawall is good for thirty years. The insurers say ten.",
        [
            (
                "paragraph",
                "<p>Two reports about the same wall came out in the same month, and they "
                "disagree by two decades.</p>",
            ),
            (
                "image",
                (
                    "Waves against the east seawall",
                    "The east seawall at high tide in May.",
                    "Harbour Ledger",
                ),
            ),
            (
                "quote",
                (
                    "Our models assume a rise in sea level at the upper end of current projections.",
                    "Northern Mutual Insurance, annual risk statement",
                    "",
                ),
            ),
            (
                "paragraph",
                "<p>When engineers and insurers disagree, it is usually the insurers who "
                "end up being right, because they are the ones who pay.</p>",
            ),
        ],
    ),
    (
        "bus-lanes-a-year-on",
        "Bus lanes, a year on",
        "2019-12-12 09:00",
        ["Tomas Lindqvist"],
        ["Transit"],
        "Journey times are down, complaints are up, and both are true.",
        [
            (
                "paragraph",
                "<p>A year after the Quay Street bus lanes opened, the average trip from the "
                "ferry to the hospital is six minutes shorter.</p>",
            ),
            (
                "paragraph",
                "<p>Compare that with the {link:the-tram-that-was-never-built}tram plans{/link}: "
                "painted lanes did in one year what steel never managed in sixty.</p>",
            ),
            (
                "quote",
                (
                    "I lose twenty minutes a day looking for parking now.",
                    "Letter to The Alder Courier",
                    "",
                ),
            ),
        ],
    ),
    (
        "council-goes-remote",
        "The council goes remote",
        "2020-04-03 18:30",
        ["Maren Okafor"],
        ["Council", "Media"],
        "Meetings are now streamed. More people watch them than ever attended.",
        [
            (
                "paragraph",
                "<p>The first remote council meeting had four hundred viewers. The public "
                "gallery seats sixty.</p>",
            ),
            ("heading", "Minutes, at last"),
            (
                "paragraph",
                "<p>The clerk's office now publishes <b>draft</b> minutes within a week. "
                "It used to take two months.</p>",
            ),
            (
                "code",
                (
                    "bash",
                    "# Download every published agenda for 2020\n"
                    "for month in $(seq -w 1 12); do\n"
                    '  curl -O "https://council.example.gov/agendas/2020-$month.pdf"\n'
                    "done",
                ),
            ),
        ],
    ),
    (
        "the-budget-gap",
        "The budget gap nobody names",
        "2021-11-04 08:00",
        ["Maren Okafor"],
        ["Budget", "Economy"],
        "Five years on, the reserve has run out, as the 2016 numbers said it would.",
        [
            (
                "paragraph",
                "<p>In 2016 we wrote that {link:a-budget-in-three-numbers}three numbers{/link} "
                "told the story. The third of them, the reserve, is now zero.</p>",
            ),
            (
                "quote",
                (
                    "The reserve was always meant to be spent. That is what reserves are for.",
                    "City treasurer, interview with the Provincial Gazette",
                    "https://gazette.example.net/city/treasurer-interview",
                ),
            ),
            (
                "paragraph",
                "<p>Spent, yes. On what is a question the budget still does not answer.</p>",
            ),
        ],
    ),
    (
        "ferry-fares-and-fairness",
        "Ferry fares and fairness",
        "2022-05-16 13:15",
        ["Tomas Lindqvist", "Maren Okafor"],
        ["Transit", "Harbour", "Budget"],
        "The levy was never meant to reach the fare box. It did.",
        [
            (
                "paragraph",
                "<p>The ferry single fare is now 3.40, up from 2.60 when the "
                "{link:the-harbour-levy-explained}harbour levy{/link} began.</p>",
            ),
            (
                "quote",
                (
                    "Operating costs, including harbour charges, have risen faster than inflation.",
                    "Alder Ferries fare notice",
                    "https://ferries.example.com/notices/fares-2022",
                ),
            ),
            ("heading", "Who rides the ferry"),
            (
                "paragraph",
                "<p>Two thirds of ferry riders live in the two wards with the lowest median income.</p>",
            ),
        ],
    ),
    (
        "housing-register-opens",
        "The short-let register opens",
        "2023-02-27 11:40",
        ["Tomas Lindqvist"],
        ["Housing"],
        "Six years after the housing report suggested it, the register exists.",
        [
            (
                "paragraph",
                "<p>The short-term let register recommended in the {link:rents-up-wages-flat}"
                "2017 housing report{/link} opened on Monday. 1,214 properties registered on the first day.</p>",
            ),
            (
                "quote",
                (
                    "We expect around three thousand registrations once enforcement begins.",
                    "Housing department press release",
                    "",
                ),
            ),
        ],
    ),
    (
        "mayor-steps-down",
        "The mayor steps down",
        "2024-09-09 17:00",
        ["Maren Okafor"],
        ["Council", "Elections"],
        "A by-election in January, and a race with no obvious favourite.",
        [
            (
                "paragraph",
                "<p>The mayor announced her resignation at the end of a routine planning meeting.</p>",
            ),
            (
                "quote",
                (
                    "<p>Ten years is long enough for anyone to hold this office.</p>"
                    "<p>The city deserves fresh eyes on the waterfront.</p>",
                    "Mayor's statement, read in council",
                    "https://council.example.gov/news/mayor-statement",
                ),
            ),
            (
                "paragraph",
                "<p>Her decade began with the harbour levy and ends with the seawall "
                "question {link:the-seawall-and-the-sea}still open{/link}.</p>",
            ),
        ],
    ),
    (
        "by-election-preview",
        "By-election preview",
        "2024-12-18 09:30",
        ["Maren Okafor", "Tomas Lindqvist"],
        ["Elections", "Media"],
        "Three candidates, one question: who will pay for the seawall?",
        [
            (
                "paragraph",
                "<p>The three candidates agree on almost nothing except that the seawall must "
                "be rebuilt.</p>",
            ),
            ("heading", "Where they stand"),
            (
                "paragraph",
                "<ol><li>Raise the harbour levy again</li><li>Borrow against the waterfront "
                "land</li><li>Ask the province</li></ol>",
            ),
        ],
    ),
]

# Neither is visible to readers: one is a draft, one is scheduled for the future.
DRAFT_POST = (
    "notes-for-a-longer-piece",
    "Notes for a longer piece on the port authority",
    ["Maren Okafor"],
    ["Harbour"],
    "Unfinished: who appoints the port authority board, and who should.",
    [("paragraph", "<p>Draft notes. Check the 1997 statute before publishing.</p>")],
)
SCHEDULED_POST = (
    "the-new-mayors-first-budget",
    "The new mayor's first budget",
    ["Maren Okafor"],
    ["Budget", "Council"],
    "A first look at the new administration's spending plans.",
    [("paragraph", "<p>To be published on budget day.</p>")],
)


# Reader comments: (post slug, threads). A comment is (name, email, website, hours after the post,
# text, replies); replies nest the same way. The last one, marked HELD, waits in the moderation queue.
HELD = "held"
COMMENTS = [
    (
        "the-harbour-levy-explained",
        [
            (
                "Ines Varga",
                "ines.varga@example.org",
                "",
                3,
                "Good summary. What the council papers do not say is who collects the levy on the "
                "private moorings at the north quay. Is that the harbour board or the city?",
                [
                    (
                        "Maren Okafor",
                        "maren@harbourledger.example",
                        "",
                        5,
                        "The board collects it and passes it on each quarter, minus a handling fee. "
                        "The fee is in appendix C of the March papers, page 41.",
                        [
                            (
                                "Ines Varga",
                                "ines.varga@example.org",
                                "",
                                7,
                                "Found it, thank you. Four per cent for handling seems generous "
                                "for a bank transfer.",
                                [],
                            ),
                        ],
                    ),
                    (
                        "Pieter Holm",
                        "pholm@example.net",
                        "https://alder-sailing.example.org",
                        9,
                        "As a mooring holder: the invoices come from the board, on board letterhead. "
                        "Nobody at the quay knew the city was involved at all.",
                        [],
                    ),
                ],
            ),
            (
                "Dora Fenn",
                "dora.fenn@example.com",
                "",
                26,
                "Will the levy still apply once the ferry terminal moves? That would change the "
                "numbers in your second table quite a bit.",
                [],
            ),
        ],
    ),
    (
        "rents-up-wages-flat",
        [
            (
                "Sam Achterberg",
                "sam.a@example.org",
                "",
                2,
                "The median rent figure includes the new waterfront blocks. Without them the "
                "rise is closer to four per cent than seven. Still bad, but a different story.",
                [
                    (
                        "Tomas Lindqvist",
                        "tomas@harbourledger.example",
                        "",
                        4,
                        "Fair point. The register does not let you separate new lets from "
                        "renewals before 2018, so I used the whole series. I will add a note.",
                        [
                            (
                                "Sam Achterberg",
                                "sam.a@example.org",
                                "",
                                6,
                                "Thanks. The 2018 split alone would make a good follow-up post.",
                                [],
                            ),
                        ],
                    ),
                ],
            ),
        ],
    ),
    (
        "bus-lanes-a-year-on",
        [
            (
                "Lena Brandt",
                "lena.brandt@example.net",
                "",
                1,
                "The number 4 is faster, the number 9 is not. The lanes stop exactly where the "
                "9 gets stuck, at the bridge.",
                [
                    (
                        "Olu Mensah",
                        "olu.mensah@example.org",
                        "",
                        8,
                        "Same experience here. The bridge section was dropped from the plan in "
                        "the last committee meeting, if I remember right.",
                        [],
                    ),
                ],
            ),
            (
                "Quick Visitor",
                "visitor@example.com",
                "",
                30,
                "First time commenting: are the lanes enforced by camera or only by wardens?",
                HELD,
            ),
        ],
    ),
]
