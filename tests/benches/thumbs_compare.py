"""Side by side: the grid's thumbnails before and after the index went to 256 px WebP (README, Performance).

Usage: python3 tests/benches/thumbs_compare.py INDEX.sqlite OUT.png [N]   (needs Pillow)

For the first N photos of an index (default 6), draws the thumbnail the index stores now (256 px lossy
WebP, quality 70, read from the `thumbs` table as the app shows it) beside the one it stored before
(320 px JPEG, quality 85, 4:4:4, made here from the original with bilinear scaling as the indexer did),
both at the 256 px a large grid tile shows, with a 2x crop of the centre below each, and the byte sizes.
"""
import io
import sqlite3
import sys

from PIL import Image, ImageDraw

index, out = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 6
db = sqlite3.connect(index)
rows = db.execute(
    "SELECT p.path, t.data FROM photos p JOIN thumbs t ON t.photo = p.id ORDER BY p.id LIMIT ?", (n,)
).fetchall()

BOX, PAD, TEXT = 256, 12, 18
cell_h = BOX + TEXT + BOX // 2 + PAD
sheet = Image.new("RGB", (PAD + 2 * (BOX + PAD), PAD + TEXT + n * cell_h), (30, 30, 30))
draw = ImageDraw.Draw(sheet)
draw.text((PAD, PAD), "before: 320 px JPEG q85", fill=(230, 230, 230))
draw.text((2 * PAD + BOX, PAD), "now: 256 px WebP q70", fill=(230, 230, 230))


def fit(img, side):
    s = min(side / img.width, side / img.height, 1.0)
    return img.resize((max(1, round(img.width * s)), max(1, round(img.height * s))), Image.BILINEAR)


for i, (path, webp) in enumerate(rows):
    orig = Image.open(path).convert("RGB")
    buf = io.BytesIO()
    fit(orig, 320).save(buf, "JPEG", quality=85, subsampling=0)
    before = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    after = Image.open(io.BytesIO(webp)).convert("RGB")
    y = PAD + TEXT + i * cell_h
    for col, (img, size) in enumerate([(before, len(buf.getvalue())), (after, len(webp))]):
        x = PAD + col * (BOX + PAD)
        shown = fit(img, BOX)
        sheet.paste(shown, (x, y))
        draw.text((x, y + shown.height + 2), f"{img.width}x{img.height}, {size} bytes", fill=(200, 200, 200))
        # The centre at 2x (what a HiDPI tile or a close look shows).
        c = shown.crop((shown.width // 2 - BOX // 4, shown.height // 2 - BOX // 8,
                        shown.width // 2 + BOX // 4, shown.height // 2 + BOX // 8))
        sheet.paste(c.resize((c.width * 2, c.height * 2), Image.NEAREST), (x, y + BOX + TEXT))
sheet.save(out, optimize=True)
print(f"wrote {out}: {len(rows)} photos")
