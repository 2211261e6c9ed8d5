#!/usr/bin/env python3
"""Write the documents the format tests index (tests/cli/documents.sh).

Usage: make-documents.py KIND OUTPUT [WORDS...]

KIND is pdf, pdf-broken, docx, odt, epub, epub-spine, epub-no-package, eml, eml-raw, mbox, zip, tar.xz,
tar.xz-truncated, tar-repeat, xz, bz2, zip-bomb, tar-bomb, nested-bomb, bz2-bomb.  Every
document says WORDS (a default sentence when none are given), has a title
naming its kind and, where the format has one, a date of 2023-07-15.
Only the standard library: no network, no third-party packages.
"""
import bz2
import io
import lzma
import sys
import tarfile
import zipfile


def pdf(words, title="PDF Title Metadata"):
    """A minimal valid PDF: one page per word group, Info with title and date."""
    pages = [words[i:i + 4] for i in range(0, len(words), 4)] or [["empty"]]
    objects = []
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, group in enumerate(pages):
        text = " ".join(group).replace("(", "").replace(")", "")
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(f"<< /Title ({title}) /CreationDate (D:20230715120000Z) >>".encode())
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, len(objects), xref))
    return bytes(out)


def docx(words, path):
    body = "".join(f"<w:p><w:r><w:t>{w}</w:t></w:r></w:p>" for w in words)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Override PartName="/word/document.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("word/document.xml",
                   '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                   f'wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>')
        z.writestr("docProps/core.xml",
                   '<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/'
                   'package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
                   'xmlns:dcterms="http://purl.org/dc/terms/"><dc:title>DOCX Title Metadata</dc:title>'
                   '<dcterms:created>2023-07-15T10:00:00Z</dcterms:created></cp:coreProperties>')


def odt(words, path):
    body = "".join(f"<text:p>{w}</text:p>" for w in words)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml",
                   '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:'
                   'opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
                   f'<office:body><office:text>{body}</office:text></office:body></office:document-content>')
        z.writestr("meta.xml",
                   '<?xml version="1.0"?><office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:'
                   'xmlns:office:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:'
                   'names:tc:opendocument:xmlns:meta:1.0"><office:meta><dc:title>ODT Title Metadata</dc:title>'
                   '<meta:creation-date>2023-07-15T10:00:00</meta:creation-date></office:meta></office:document-meta>')


def epub(words, path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("META-INF/container.xml",
                   '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:'
                   'xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" '
                   'media-type="application/oebps-package+xml"/></rootfiles></container>')
        z.writestr("OEBPS/content.opf",
                   '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
                   '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>EPUB Title Metadata'
                   '</dc:title><dc:date>2023-07-15</dc:date></metadata><manifest><item id="c1" '
                   'href="chapter1.xhtml" media-type="application/xhtml+xml"/></manifest>'
                   '<spine><itemref idref="c1"/></spine></package>')
        z.writestr("OEBPS/chapter1.xhtml",
                   '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>Chapter'
                   '</title><style>.hiddenstyleword{}</style></head><body><h1>One</h1><p>'
                   + "</p><p>".join(words) + "</p></body></html>")


def epub_book(path, container=True):
    """An EPUB whose zip holds its chapters out of reading order: the
    spine reads "Chapter 1.xhtml" (by a percent-escaped href through a
    "." and a ".." segment) then chapter2.xhtml; nav.xhtml is not in the
    spine; an item climbing above the archive names secret.xhtml."""
    page = ('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title>'
            '</head><body><p>{}</p></body></html>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("OEBPS/text/chapter2.xhtml", page.format("spinebeta spinegamma"))
        z.writestr("OEBPS/nav.xhtml", page.format("spinenavword"))
        z.writestr("secret.xhtml", page.format("spinesecret"))
        z.writestr("OEBPS/text/Chapter 1.xhtml", page.format("spinealpha spineomega"))
        z.writestr("OEBPS/content.opf",
                   '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
                   '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Spine Book'
                   '</dc:title><dc:date>2023-07-16</dc:date></metadata><manifest>'
                   '<item id="nav" href="nav.xhtml" properties="nav" media-type="application/xhtml+xml"/>'
                   '<item id="c2" href="text/chapter2.xhtml" media-type="application/xhtml+xml"/>'
                   '<item id="c1" href="./text/../text/Chapter%201.xhtml#start" '
                   'media-type="application/xhtml+xml"/>'
                   '<item id="out" href="../../secret.xhtml" media-type="application/xhtml+xml"/>'
                   '</manifest><spine><itemref idref="out"/><itemref idref="c1"/>'
                   '<itemref idref="c2"/><itemref idref="c1"/></spine></package>')
        if container:
            z.writestr("META-INF/container.xml",
                       '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:'
                       'opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" '
                       'media-type="application/oebps-package+xml"/></rootfiles></container>')


def message(words, subject, sender, to, latin1=False, raw_subject=False):
    body = " ".join(words)
    charset = "iso-8859-1" if latin1 else "utf-8"
    head = (f"From: {sender}\nTo: {to}\nSubject: {subject}\nDate: Sat, 15 Jul 2023 10:00:00 +0000\n"
            f"Message-ID: <{len(body)}.{len(subject)}@example.org>\nMIME-Version: 1.0\n"
            f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: 8bit\n\n")
    encoded = head.encode("latin-1" if raw_subject else "ascii")
    return encoded + (body + "\n").encode("latin-1" if latin1 else "utf-8")


def nested_zip(words):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        z.writestr("deep.txt", "nestedword inside\n")
    return data.getvalue()


def add_member(archive, name, text):
    data = text.encode()
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def main():
    kind, path, words = sys.argv[1], sys.argv[2], sys.argv[3:] or ["default", "words"]
    if kind == "pdf":
        open(path, "wb").write(pdf(words))
    elif kind == "pdf-broken":
        open(path, "wb").write(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R\n" + b"garbage " * 50)
    elif kind == "docx":
        docx(words, path)
    elif kind == "odt":
        odt(words, path)
    elif kind == "epub":
        epub(words, path)
    elif kind == "epub-spine":
        epub_book(path)
    elif kind == "epub-no-package":
        epub_book(path, container=False)
    elif kind == "eml":
        open(path, "wb").write(message(words, "=?iso-8859-1?q?Gr=FC=DFe_aus_K=F6ln?=",
                                       "Ana Sender <ana@example.org>", "Bo Reader <bo@example.org>",
                                       latin1=True))
    elif kind == "eml-raw":
        # A Latin-1 subject in raw 8-bit bytes, as old mailers sent it.
        open(path, "wb").write(message(words, "Caf\u00e9 Z\u00fcrich", "carla@example.org",
                                       "dan@example.org", latin1=True, raw_subject=True))
    elif kind == "mbox":
        with open(path, "wb") as out:
            for i, word in enumerate(words):
                out.write(b"From ana@example.org Sat Jul 15 10:00:00 2023\n")
                out.write(message([word, "in", "message", str(i + 1)], f"Mbox subject {i + 1}",
                                  "ana@example.org", f"reader{i + 1}@example.org"))
                out.write(b"\n")
    elif kind == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("notes/inner.txt", " ".join(words) + "\n")
            z.writestr("../escape.txt", "escapeword\n")
            z.writestr("nested.zip", nested_zip(words))
    elif kind in ("tar.xz", "tar.xz-truncated"):
        data = io.BytesIO()
        with tarfile.open(fileobj=data, mode="w:xz") as t:
            add_member(t, "docs/first.txt", " ".join(words) + "\n")
            if kind == "tar.xz-truncated":
                noise = "".join(f"line {i} value {i * 7919 % 10007}\n" for i in range(20000))
                add_member(t, "docs/long.txt", noise)
        blob = data.getvalue()
        open(path, "wb").write(blob[:len(blob) // 2] if kind == "tar.xz-truncated" else blob)
    elif kind == "tar-repeat":
        # One name three times (tar appends a changed file again), the
        # last as "./docs/same.txt", which reads as the same name cleaned;
        # then a member whose own name is the second one's version.
        with tarfile.open(path, "w") as t:
            for i, (name, word) in enumerate([("docs/same.txt", "repeatfirst"),
                                              ("docs/same.txt", "repeatsecond"),
                                              ("./docs/same.txt", "repeatthird"),
                                              ("docs/same.txt;2", "repeatfourth")]):
                add_member(t, name, f"{word} {' '.join(words)}\n")
    elif kind == "xz":
        open(path, "wb").write(lzma.compress((" ".join(words) + "\n").encode()))
    elif kind == "bz2":
        open(path, "wb").write(bz2.compress((" ".join(words) + "\n").encode()))
    elif kind == "tar-bomb":
        # 48 MiB of zeros in a member below the member size bound: caught
        # by the decompression ratio.
        data = io.BytesIO()
        with tarfile.open(fileobj=data, mode="w") as t:
            info = tarfile.TarInfo("zeros.txt")
            info.size = 48 << 20
            t.addfile(info, io.BytesIO(bytes(info.size)))
        open(path, "wb").write(bz2.compress(data.getvalue(), 9))
    elif kind == "nested-bomb":
        # Three bzip2 members of 12 MiB of text each, stored in a zip of a
        # few KiB: each below the floor of the ratio bound, together far
        # past 200 times the zip's size.
        text = (" ".join(words + ["filler"] * 20) + "\n").encode()
        member = bz2.compress(text * ((12 << 20) // len(text)), 9)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
            for i in range(3):
                z.writestr(f"part{i}.txt.bz2", member)
    elif kind == "bz2-bomb":
        # 12 MiB of text in a bzip2 file of a few KiB: below the floor of
        # the file's ratio bound; a folder of them is caught by the walk's.
        text = (" ".join(words + ["filler"] * 20) + "\n").encode()
        open(path, "wb").write(bz2.compress(text * ((12 << 20) // len(text)), 9))
    elif kind == "zip-bomb":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("zeros.txt", b"0" * (200 << 20))
    else:
        sys.exit(f"make-documents.py: unknown kind {kind}")


main()
