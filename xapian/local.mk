## xapian/: the C binding over libxapian (built with --with-xapian).
