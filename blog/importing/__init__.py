"""What every import of another platform's export shares: the run in one transaction with its
progress and summary (`base`), the conversion of HTML to blocks (`html`) and the writing of
comment threads (`comments`). Each format reads its own file: `blog/blogger/`, `blog/wordpress/`."""
