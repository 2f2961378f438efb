"""Synthetic licence plates (US, EU, BR) rendered with PIL, plus realistic degradation.

render_plate(rng) -> (RGB uint8 plate image, label text, layout)
The plate image *is* the plate rectangle, so its corners are the image corners; paste_plate()
warps it into a scene with a random perspective and returns the four corners (TL,TR,BR,BL).

Label conventions follow the real data: US labels never contain letter O (a rendered O is
labelled 0) and small stacked characters are not part of the label; spaces, dashes, seals and
country bands are never part of any label.
"""
import glob
import io
import os
import string

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

LETTERS = string.ascii_uppercase
DIGITS = string.digits

US_STATES = ["ALABAMA", "ALASKA", "ARIZONA", "ARKANSAS", "California", "COLORADO", "Connecticut",
             "DELAWARE", "FLORIDA", "GEORGIA", "Hawaii", "IDAHO", "ILLINOIS", "Indiana", "IOWA",
             "KANSAS", "KENTUCKY", "Louisiana", "MAINE", "MARYLAND", "Massachusetts", "MICHIGAN",
             "Minnesota", "MISSISSIPPI", "MISSOURI", "MONTANA", "Nebraska", "NEVADA",
             "New Hampshire", "NEW JERSEY", "NEW MEXICO", "NEW YORK", "North Carolina",
             "NORTH DAKOTA", "OHIO", "Oklahoma", "OREGON", "Pennsylvania", "RHODE ISLAND",
             "South Carolina", "SOUTH DAKOTA", "Tennessee", "TEXAS", "UTAH", "Vermont", "VIRGINIA",
             "Washington", "West Virginia", "WISCONSIN", "WYOMING"]
US_SLOGANS = ["Land of Lincoln", "Sunshine State", "Garden State", "Empire State", "The Lone Star State",
              "Live Free or Die", "Great Lakes", "Famous Potatoes", "Grand Canyon State", "10,000 Lakes",
              "Wild, Wonderful", "First in Flight", "Green Mountain State", "Ocean State",
              "America's Dairyland", "The Natural State", "Aloha State", "Peach State",
              "Heart of Dixie", "Centennial", "Pure Michigan", "Beautiful", "Big Sky Country",
              "Treasure State", "Land of Enchantment", "Keystone State", "Volunteer State",
              "Constitution State", "Show-Me State", "Sportsman's Paradise", "Explore Minnesota",
              "Sweet Home", "Discover", "Greatest Snow", "Vacationland", "www.visit.gov",
              "IN GOD WE TRUST", "Spirit of America", "Choose Life", "Support Education"]
EU_BANDS = ["D", "F", "NL", "B", "I", "E", "PL", "CZ", "A", "P", "RO", "H", "S", "FIN", "DK", "SK",
            "L", "IRL", "GR", "LT", "SLO", "HR", "BG", "EST", "LV", "GB", "CH"]
BR_CITIES = ["SP - SAO PAULO", "RJ - RIO DE JANEIRO", "MG - BELO HORIZONTE", "PR - CURITIBA",
             "RS - PORTO ALEGRE", "BA - SALVADOR", "SC - FLORIANOPOLIS", "GO - GOIANIA", "PE - RECIFE",
             "CE - FORTALEZA", "SP - CAMPINAS", "SP - SANTOS", "DF - BRASILIA", "ES - VITORIA"]


class Fonts:
    """Loads the free fonts once per process; caches PIL fonts by (file, size)."""

    def __init__(self, data_dir):
        d = os.path.join(data_dir, "fonts")
        self.fe = sorted(glob.glob(os.path.join(d, "GL-Nummernschild", "*.ttf")))
        self.hwy = sorted(glob.glob(os.path.join(d, "roadgeek", "*.ttf")))
        self.din = sorted(glob.glob(os.path.join(d, "opendin", "*.ttf")))
        self._cache = {}

    def get(self, path, size):
        key = (path, int(size))
        if key not in self._cache:
            self._cache[key] = ImageFont.truetype(path, int(size))
        return self._cache[key]

    def by_name(self, part):
        return [f for f in self.fe + self.hwy + self.din if part in os.path.basename(f)]


# ---------------------------------------------------------------- text generation

def _pattern(rng, pat):
    return "".join(rng.choice(list(LETTERS)) if c == "L" else rng.choice(list(DIGITS)) if c == "N"
                   else rng.choice(list(LETTERS + DIGITS)) if c == "X" else c for c in pat)


US_PATTERNS = ["LLLNNNN", "LLLNNN", "NLLLNNN", "NNNLLL", "LLNNNNN", "NLLNNN", "LLLLNNN", "NNNNLL",
               "LNNNNN", "NNNLNN", "LLNNLL", "NNLLLN", "LNNLLL", "XXXXX", "XXXXXX", "XXXXXXX",
               "XXXXXXXX", "NNNNNN", "LLLLL", "LLLLLL", "NLLNNNN", "LLNNNN"]


def us_text(rng):
    pat = rng.choice(US_PATTERNS)
    s = _pattern(rng, pat)
    # group separators (space / dash / small emblem) are drawn, never labelled
    groups = [s]
    if len(s) >= 6 and rng.random() < 0.6:
        k = rng.integers(2, len(s) - 1)
        groups = [s[:k], s[k:]]
    return groups


def eu_text(rng):
    kind = rng.integers(0, 6)
    if kind == 0:  # German B MW 1234
        return [_pattern(rng, "L" * rng.integers(1, 4)), _pattern(rng, "L" * rng.integers(1, 3)),
                _pattern(rng, "N" * rng.integers(1, 5))], "seal"
    if kind == 1:  # French / Italian AB-123-CD
        return [_pattern(rng, "LL"), _pattern(rng, "NNN"), _pattern(rng, "LL")], "dash"
    if kind == 2:  # Dutch-style 12-ABC-3
        pat = ["NN", "LLL", "N"] if rng.random() < 0.5 else ["LL", "NNN", "L"]
        return [_pattern(rng, p) for p in pat], "dash"
    if kind == 3:  # UK-style AB12 CDE
        return [_pattern(rng, "LLNN"), _pattern(rng, "LLL")], "space"
    if kind == 4:  # Polish / Czech / generic
        return [_pattern(rng, "L" * rng.integers(2, 4)), _pattern(rng, "X" * rng.integers(4, 6))], "space"
    return [_pattern(rng, "LL"), _pattern(rng, "NNN"), _pattern(rng, "LL")], "space"


# ---------------------------------------------------------------- drawing helpers

def _rand_color(rng, lo=0, hi=255):
    return tuple(int(v) for v in rng.integers(lo, hi + 1, 3))


def _light(rng):
    return tuple(int(v) for v in rng.integers(200, 256, 3))


def _dark(rng):
    return tuple(int(v) for v in rng.integers(0, 90, 3))


def _text_size(draw, text, font):
    x0, y0, x1, y1 = draw.textbbox((0, 0), text, font=font)
    return x1 - x0, y1 - y0, x0, y0


def _draw_fitted(draw, text, font_path, fonts, box, fill, spacing=0.0, shadow=None, stroke=0):
    """Draw text filling box (x0,y0,x1,y1) in height; squeeze the font if too wide.

    Characters are drawn one by one so their spacing can vary. Returns the drawn extent.
    """
    x0, y0, x1, y1 = box
    bh, bw = y1 - y0, x1 - x0
    size = max(6, int(bh * 1.35))
    font = fonts.get(font_path, size)
    # scale font so that cap height == box height
    _, ch, _, oy = _text_size(draw, "H", font)
    size = max(6, int(size * bh / max(ch, 1)))
    font = fonts.get(font_path, size)
    widths = [_text_size(draw, c, font)[0] if c != " " else size * 0.35 for c in text]
    gap = spacing * size
    total = sum(widths) + gap * (len(text) - 1)
    img_scale = 1.0
    if total > bw:
        img_scale = bw / total
    # render on a separate layer and horizontally squeeze it into the box if needed
    layer_w = int(total) + 8
    layer = Image.new("L", (layer_w, bh * 2 + 8), 0)
    ld = ImageDraw.Draw(layer)
    _, ch, _, oy = _text_size(ld, "H", font)
    x = 4
    for c, w in zip(text, widths):
        if c != " ":
            ld.text((x, 4 - oy + (bh - ch) // 2), c, font=font, fill=255, stroke_width=stroke, stroke_fill=255)
        x += w + gap
    layer = layer.crop((0, 0, layer_w, bh + 8))
    new_w = max(1, int(layer_w * img_scale))
    layer = layer.resize((new_w, bh + 8), Image.BILINEAR)
    cx = x0 + (bw - new_w) // 2
    return layer, (cx, y0 - 4)


def _draw_emblem(d, rng, cx, cy, h, color):
    """A separator graphic between character groups (state shape, shield, star, seal, heart):
    drawn, never labelled, so the reader learns not to read it as 8/9/1/W."""
    eh = h * rng.uniform(0.35, 0.8)
    ew = eh * rng.uniform(0.45, 0.9)
    x0, y0, x1, y1 = cx - ew / 2, cy - eh / 2, cx + ew / 2, cy + eh / 2
    kind = rng.integers(0, 6)
    if kind == 0:
        d.ellipse([x0, y0, x1, y1], fill=color)
    elif kind == 1:  # shield / coat of arms
        d.polygon([(x0, y0), (x1, y0), (x1, cy), (cx, y1), (x0, cy)], fill=color)
        if rng.random() < 0.5:
            d.line([(cx, y0), (cx, y1 - eh * 0.2)], fill=(255, 255, 255), width=max(1, int(ew * 0.15)))
    elif kind == 2:  # star
        pts = []
        for k in range(10):
            a = -np.pi / 2 + k * np.pi / 5
            r = (ew / 2) if k % 2 == 0 else (ew / 5)
            pts.append((cx + r * np.cos(a), cy + r * np.sin(a) * eh / ew))
        d.polygon(pts, fill=color)
    elif kind == 3:  # ring seal with a dot
        d.ellipse([x0, y0, x1, y1], outline=color, width=max(1, int(ew * 0.15)))
        d.ellipse([cx - ew * 0.15, cy - ew * 0.15, cx + ew * 0.15, cy + ew * 0.15], fill=color)
    elif kind == 4:  # heart / keystone-like blob
        d.ellipse([x0, y0, cx + ew * 0.05, cy], fill=color)
        d.ellipse([cx - ew * 0.05, y0, x1, cy], fill=color)
        d.polygon([(x0, y0 + eh * 0.3), (x1, y0 + eh * 0.3), (cx, y1)], fill=color)
    else:  # irregular state-like outline
        n = int(rng.integers(5, 9))
        ang = np.sort(rng.uniform(0, 2 * np.pi, n))
        d.polygon([(cx + ew / 2 * rng.uniform(0.6, 1) * np.cos(a), cy + eh / 2 * rng.uniform(0.6, 1) * np.sin(a))
                   for a in ang], fill=color)


def _paste_layer(img, layer, pos, fill, shadow=None):
    if shadow is not None:
        sx, sy, scol = shadow
        img.paste(Image.new("RGB", layer.size, scol), (pos[0] + sx, pos[1] + sy), layer)
    img.paste(Image.new("RGB", layer.size, fill), pos, layer)


def _graphic_background(img, rng):
    """Soft shapes/gradients for 'graphic' US designs."""
    W, H = img.size
    d = ImageDraw.Draw(img, "RGBA")
    kind = rng.integers(0, 4)
    if kind == 0:  # vertical gradient
        top, bot = np.array(_rand_color(rng, 120, 255)), np.array(_rand_color(rng, 150, 255))
        for y in range(H):
            c = tuple(int(v) for v in top + (bot - top) * y / H)
            d.line([(0, y), (W, y)], fill=c)
    elif kind == 1:  # mountains / hills
        for _ in range(rng.integers(1, 4)):
            pts = [(0, H)]
            for x in np.linspace(0, W, rng.integers(3, 8)):
                pts.append((float(x), float(H * rng.uniform(0.35, 0.9))))
            pts.append((W, H))
            d.polygon(pts, fill=_rand_color(rng, 60, 230) + (int(rng.integers(50, 160)),))
    elif kind == 2:  # big soft blobs
        for _ in range(rng.integers(2, 6)):
            cx, cy, r = rng.uniform(0, W), rng.uniform(0, H), rng.uniform(H * 0.2, H * 0.8)
            d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=_rand_color(rng, 80, 255) + (int(rng.integers(40, 120)),))
    else:  # horizontal stripes / banners
        for _ in range(rng.integers(1, 3)):
            y = rng.uniform(0, H)
            h = rng.uniform(H * 0.05, H * 0.25)
            d.rectangle([0, y, W, y + h], fill=_rand_color(rng, 40, 255) + (int(rng.integers(60, 200)),))


# ---------------------------------------------------------------- plate styles

def render_us(rng, fonts):
    W, H = 480, 240
    dark_bg = rng.random() < 0.15
    if dark_bg:
        bg, fg = _rand_color(rng, 0, 80), _light(rng)
    else:
        bg = _light(rng) if rng.random() < 0.8 else _rand_color(rng, 150, 255)
        fg = rng.choice([(0, 0, 0), _dark(rng), (20, 30, 120), (130, 15, 20), (10, 80, 30)])
        fg = tuple(int(v) for v in fg)
    img = Image.new("RGB", (W, H), bg)
    if not dark_bg and rng.random() < 0.5:
        _graphic_background(img, rng)
    d = ImageDraw.Draw(img)
    if rng.random() < 0.6:
        bw = int(rng.integers(3, 10))
        d.rounded_rectangle([bw // 2, bw // 2, W - bw // 2, H - bw // 2], radius=int(rng.integers(5, 25)),
                            outline=_rand_color(rng, 0, 200) if rng.random() < 0.5 else fg, width=bw)
    # mounting holes
    if rng.random() < 0.4:
        for x in (W * 0.2, W * 0.8):
            for y in (H * 0.1, H * 0.9):
                if rng.random() < 0.6:
                    d.ellipse([x - 6, y - 6, x + 6, y + 6], fill=_rand_color(rng, 60, 200))
    accent = fg if rng.random() < 0.5 else _rand_color(rng, 0, 160) if not dark_bg else _light(rng)
    # state name on top
    if rng.random() < 0.9:
        st = US_STATES[rng.integers(len(US_STATES))]
        if rng.random() < 0.3:
            st = st.upper()
        th = int(H * rng.uniform(0.11, 0.19))
        ty = int(H * rng.uniform(0.04, 0.1))
        f = fonts.hwy[rng.integers(len(fonts.hwy))] if rng.random() < 0.7 else fonts.din[0]
        layer, pos = _draw_fitted(d, st, f, fonts, (int(W * 0.15), ty, int(W * 0.85), ty + th), accent,
                                  spacing=rng.uniform(0, 0.15))
        _paste_layer(img, layer, pos, accent)
    # slogan at the bottom
    if rng.random() < 0.75:
        sl = US_SLOGANS[rng.integers(len(US_SLOGANS))]
        sh = int(H * rng.uniform(0.07, 0.12))
        sy = int(H * rng.uniform(0.82, 0.88))
        f = fonts.hwy[rng.integers(len(fonts.hwy))] if rng.random() < 0.6 else fonts.din[0]
        layer, pos = _draw_fitted(d, sl, f, fonts, (int(W * 0.15), sy, int(W * 0.85), sy + sh), accent)
        _paste_layer(img, layer, pos, accent)
    # registration stickers
    for corner in (0, 1):
        if rng.random() < 0.35:
            sw, sh = rng.integers(40, 80), rng.integers(25, 45)
            x = 12 if corner == 0 else W - 12 - sw
            d.rectangle([x, 12, x + sw, 12 + sh], fill=_rand_color(rng, 0, 255))
            d.text((x + 4, 14), str(rng.integers(10, 99)), fill=_rand_color(rng, 0, 255))
    # main characters
    groups = us_text(rng)
    ch_h = int(H * rng.uniform(0.38, 0.5))
    cy = int(H * 0.5 - ch_h / 2 + H * rng.uniform(-0.03, 0.05))
    stacked = rng.random() < 0.15
    x0 = int(W * rng.uniform(0.04, 0.1))
    x1 = int(W - W * rng.uniform(0.04, 0.1))
    if stacked:  # small stacked characters at the left: drawn, not labelled
        sw = int(W * 0.08)
        sf = fonts.hwy[rng.integers(len(fonts.hwy))]
        for i, c in enumerate(_pattern(rng, "LL")):
            layer, pos = _draw_fitted(d, c, sf, fonts, (x0, cy + i * ch_h // 2, x0 + sw, cy + (i + 1) * ch_h // 2 - 3), fg)
            _paste_layer(img, layer, pos, fg)
        x0 += sw + 6
    sep = " " if rng.random() < 0.5 else "-"
    text = (sep.join(groups)) if len(groups) > 1 else groups[0]
    emblem = len(groups) > 1 and rng.random() < 0.3
    if emblem:
        text = groups[0] + "  " + groups[1]  # room for an emblem between the groups (drawn below)
    f = fonts.hwy[rng.integers(len(fonts.hwy))] if rng.random() < 0.85 else fonts.din[0]
    layer, pos = _draw_fitted(d, text, f, fonts, (x0, cy, x1, cy + ch_h), fg, spacing=rng.uniform(0.0, 0.12),
                              stroke=int(rng.integers(0, 3)))
    emboss = rng.random() < 0.5
    _paste_layer(img, layer, pos, fg, shadow=(2, 2, tuple(max(0, c - 90) for c in bg)) if emboss else None)
    if emblem:
        gx = pos[0] + layer.size[0] * (len(groups[0]) + 1.0) / len(text)
        _draw_emblem(d, rng, gx, cy + ch_h / 2, ch_h, fg if rng.random() < 0.5 else _rand_color(rng, 0, 200))
    label = "".join(c for c in "".join(groups)).replace("O", "0")
    return img, label


def render_eu(rng, fonts, two_line=False):
    groups, sep = eu_text(rng)
    yellow = rng.random() < 0.15
    bg = (int(rng.integers(220, 256)), int(rng.integers(190, 230)), int(rng.integers(0, 60))) if yellow else _light(rng)
    fg = (int(rng.integers(0, 40)),) * 3
    if two_line:
        W, H = 280, 200
    else:
        W, H = 520, 112
    img = Image.new("RGB", (W, H), bg)
    d = ImageDraw.Draw(img)
    bw = 4
    d.rounded_rectangle([1, 1, W - 2, H - 2], radius=8, outline=fg, width=bw)
    band = rng.random() < 0.85
    x0 = 10
    if band:
        bwid = int(W * 0.085) if not two_line else int(W * 0.14)
        d.rectangle([bw, bw, bwid, H - bw], fill=(int(rng.integers(0, 40)), int(rng.integers(40, 80)), int(rng.integers(140, 200))))
        cx, cy, r = (bw + bwid) / 2, H * 0.3, bwid * 0.3
        for a in np.linspace(0, 2 * np.pi, 12, endpoint=False):
            px, py = cx + r * np.cos(a), cy + r * np.sin(a)
            d.ellipse([px - 2, py - 2, px + 2, py + 2], fill=(250, 210, 0))
        code = EU_BANDS[rng.integers(len(EU_BANDS))]
        f = fonts.fe[rng.integers(len(fonts.fe))]
        layer, pos = _draw_fitted(d, code, f, fonts, (bw + 2, int(H * 0.6), bwid - 2, int(H * 0.82)), (255, 255, 255))
        _paste_layer(img, layer, pos, (255, 255, 255))
        x0 = bwid + 8
    font = rng.choice(fonts.fe) if rng.random() < 0.85 else fonts.din[0]
    if two_line:
        half = max(1, len(groups) // 2)
        rows = [" ".join(groups[:half]), " ".join(groups[half:])]
        rh = int(H * 0.36)
        for i, row in enumerate(rows):
            y = int(H * 0.09) + i * int(H * 0.46)
            layer, pos = _draw_fitted(d, row, font, fonts, (x0, y, W - 10, y + rh), fg, spacing=0.05)
            _paste_layer(img, layer, pos, fg)
    else:
        eu_emblem = sep == "space" and rng.random() < 0.25
        joiner = {"dash": "-", "space": "  " if eu_emblem else " ", "seal": "  "}[sep]
        text = joiner.join(groups)
        ch_h = int(H * rng.uniform(0.6, 0.72))
        y = int((H - ch_h) / 2)
        layer, pos = _draw_fitted(d, text, font, fonts, (x0, y, W - 10, y + ch_h), fg, spacing=0.04)
        _paste_layer(img, layer, pos, fg)
        if eu_emblem:
            gx = pos[0] + layer.size[0] * (len(groups[0]) + 1.0) / len(text)
            _draw_emblem(d, rng, gx, y + ch_h / 2, ch_h, _rand_color(rng, 0, 200))
        if sep == "seal":
            # two round seals between the district and the letters
            px = pos[0] + layer.size[0] * (len(groups[0]) + 0.8) / len(text)
            for k, cyf in enumerate((0.35, 0.65)):
                r = H * 0.1
                d.ellipse([px - r, H * cyf - r, px + r, H * cyf + r], fill=_rand_color(rng, 60, 220), outline=fg)
    return img, "".join(groups)


def render_br(rng, fonts):
    if rng.random() < 0.55:  # old grey / red LLL-NNNN
        W, H = 400, 130
        red = rng.random() < 0.2
        g = int(rng.integers(150, 215))
        bg = (int(rng.integers(170, 220)), 30, 30) if red else (g, g, g + int(rng.integers(-5, 10)))
        bg = tuple(min(255, c) for c in bg)
        fg = (240, 240, 240) if red else (int(rng.integers(0, 40)),) * 3
        img = Image.new("RGB", (W, H), bg)
        d = ImageDraw.Draw(img)
        d.rounded_rectangle([2, 2, W - 3, H - 3], radius=6, outline=fg, width=4)
        city = BR_CITIES[rng.integers(len(BR_CITIES))]
        top_h = int(H * 0.17)
        layer, pos = _draw_fitted(d, city, fonts.din[0], fonts, (int(W * 0.2), 8, int(W * 0.8), 8 + top_h), fg)
        _paste_layer(img, layer, pos, fg)
        letters, nums = _pattern(rng, "LLL"), _pattern(rng, "NNNN")
        f = rng.choice(fonts.hwy + fonts.din) if rng.random() < 0.7 else rng.choice(fonts.fe)
        ch_h = int(H * rng.uniform(0.5, 0.6))
        y = int(H * 0.3)
        layer, pos = _draw_fitted(d, letters + "-" + nums, f, fonts, (14, y, W - 14, y + ch_h), fg,
                                  spacing=rng.uniform(0.02, 0.1))
        _paste_layer(img, layer, pos, fg)
        return img, letters + nums
    # Mercosur LLLNLNN: white, blue top band with BRASIL
    W, H = 400, 130
    img = Image.new("RGB", (W, H), _light(rng))
    d = ImageDraw.Draw(img)
    fg = (int(rng.integers(0, 40)),) * 3
    d.rounded_rectangle([2, 2, W - 3, H - 3], radius=8, outline=fg, width=3)
    band_h = int(H * 0.22)
    d.rectangle([4, 4, W - 4, band_h], fill=(int(rng.integers(0, 30)), int(rng.integers(40, 80)), int(rng.integers(140, 200))))
    layer, pos = _draw_fitted(d, "BRASIL", fonts.din[0], fonts, (int(W * 0.35), 8, int(W * 0.65), band_h - 4), (255, 255, 255))
    _paste_layer(img, layer, pos, (255, 255, 255))
    d.rectangle([W - 40, 9, W - 14, band_h - 4], fill=(0, 150, 60))
    text = _pattern(rng, "LLLNLNN") if rng.random() < 0.85 else _pattern(rng, "LLLNNNN")
    ch_h = int(H * rng.uniform(0.5, 0.58))
    y = band_h + int((H - band_h - ch_h) / 2)
    layer, pos = _draw_fitted(d, text, rng.choice(fonts.fe), fonts, (16, y, W - 16, y + ch_h), fg, spacing=0.04)
    _paste_layer(img, layer, pos, fg)
    return img, text


def render_plate(rng, fonts, region=None, allow_two_line=False):
    """Returns (RGB uint8 array, label, region). Two-line plates only when allow_two_line."""
    if region is None:
        region = rng.choice(["us", "eu", "br"], p=[0.5, 0.25, 0.25])
    if region == "us":
        img, label = render_us(rng, fonts)
    elif region == "eu":
        img, label = render_eu(rng, fonts, two_line=allow_two_line and rng.random() < 0.2)
    else:
        img, label = render_br(rng, fonts)
    arr = np.asarray(img, np.uint8)
    if rng.random() < 0.5:  # dirt / wear
        noise = cv2.GaussianBlur(rng.normal(0, 1, arr.shape[:2]).astype(np.float32), (0, 0), rng.uniform(3, 12))
        noise = noise / (np.abs(noise).max() + 1e-6)
        arr = np.clip(arr.astype(np.float32) * (1 - 0.25 * rng.random() * np.abs(noise))[..., None], 0, 255).astype(np.uint8)
    return arr, label, region


# ---------------------------------------------------------------- geometry and degradation

def random_quad(rng, w, h, cx, cy, plate_w, max_rot=12, max_persp=0.12):
    """A plate quad (TL,TR,BR,BL) of width plate_w and the plate's aspect, rotated and
    perspective-distorted at random, centred on (cx,cy)."""
    ph = plate_w * h / w
    a = np.deg2rad(rng.uniform(-max_rot, max_rot))
    base = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]], np.float32) * [plate_w, ph]
    # horizontal perspective (yaw) shrinks one side; vertical (pitch) narrows the top or bottom
    yaw, pitch = rng.uniform(-max_persp, max_persp), rng.uniform(-max_persp, max_persp) * 0.6
    base[[0, 3], 1] *= 1 + yaw
    base[[1, 2], 1] *= 1 - yaw
    base[[0, 1], 0] *= 1 + pitch
    base[[2, 3], 0] *= 1 - pitch
    shear = rng.uniform(-0.15, 0.15) * ph
    base[[0, 1], 0] += shear / 2
    base[[2, 3], 0] -= shear / 2
    R = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]], np.float32)
    return (base @ R.T + [cx, cy]).astype(np.float32)


def paste_plate(scene, plate, quad, rng=None):
    """Warp plate (RGB/grey uint8) onto scene in place along quad (TL,TR,BR,BL)."""
    h, w = plate.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    M = cv2.getPerspectiveTransform(src, quad.astype(np.float32))
    H, W = scene.shape[:2]
    warped = cv2.warpPerspective(plate, M, (W, H), flags=cv2.INTER_AREA if w > 200 else cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), M, (W, H), flags=cv2.INTER_LINEAR)
    m = (mask.astype(np.float32) / 255.0)
    if scene.ndim == 3:
        m = m[..., None]
    if scene.ndim == 3 and warped.ndim == 2:
        warped = cv2.cvtColor(warped, cv2.COLOR_GRAY2BGR)
    if scene.ndim == 2 and warped.ndim == 3:
        warped = cv2.cvtColor(warped, cv2.COLOR_RGB2GRAY)
    scene[:] = (scene * (1 - m) + warped * m).astype(np.uint8)
    return scene


def photometric(img, rng, strength=1.0, blur_scale=1.0):
    """Lighting, glare, blur, noise on a uint8 image (grey or colour). Returns uint8.

    blur_scale ~ plate height / 40 keeps blur proportional to the plate (a fixed 7 px motion
    blur erases a 12 px plate but barely touches a 100 px one)."""
    f = img.astype(np.float32) / 255.0
    H, W = f.shape[:2]
    # global contrast/brightness, gamma (low light)
    if rng.random() < 0.3 * strength:
        f = f ** rng.uniform(1.2, 2.2)  # dark / night
        f *= rng.uniform(0.45, 0.9)
    else:
        f = f ** rng.uniform(0.7, 1.4)
    c = rng.uniform(0.6, 1.1)
    f = (f - f.mean()) * c + f.mean() + rng.uniform(-0.15, 0.15)
    # illumination gradient
    if rng.random() < 0.5 * strength:
        gx, gy = rng.uniform(-1, 1, 2)
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        g = 1 + 0.5 * (gx * (xx / W - 0.5) + gy * (yy / H - 0.5))
        f *= g[..., None] if f.ndim == 3 else g
    # glare spot
    if rng.random() < 0.2 * strength:
        spot = np.zeros((H, W), np.float32)
        cv2.ellipse(spot, (int(rng.uniform(0, W)), int(rng.uniform(0, H))),
                    (int(W * rng.uniform(0.05, 0.4)), int(H * rng.uniform(0.1, 0.6))), rng.uniform(0, 180), 0, 360, 1.0, -1)
        spot = cv2.GaussianBlur(spot, (0, 0), max(1.0, W * 0.05)) * rng.uniform(0.3, 1.0)
        f += spot[..., None] if f.ndim == 3 else spot
    f = np.clip(f, 0, 1)
    out = (f * 255).astype(np.uint8)
    # blur: gaussian or motion
    r = rng.random()
    if r < 0.3 * strength:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.3, 1.3) * min(1.5, max(0.4, blur_scale)))
    elif r < 0.45 * strength:
        k = int(np.clip(rng.uniform(2, 6) * blur_scale, 2, 9))
        ker = np.zeros((k, k), np.float32)
        ker[k // 2, :] = 1.0 / k
        M = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), rng.uniform(0, 180), 1.0)
        ker = cv2.warpAffine(ker, M, (k, k))
        ker /= max(ker.sum(), 1e-6)
        out = cv2.filter2D(out, -1, ker)
    # sensor noise (stronger in the dark)
    if rng.random() < 0.6:
        sigma = rng.uniform(1, 10) * strength
        out = np.clip(out.astype(np.float32) + rng.normal(0, sigma, out.shape), 0, 255).astype(np.uint8)
    return out


def jpeg(img, rng, lo=20, hi=95):
    q = int(rng.integers(lo, hi + 1))
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])
    return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)


def random_background(rng, h, w, negatives=None):
    """A car-body / street-like background patch (BGR uint8)."""
    if negatives is not None and len(negatives) and rng.random() < 0.5:
        n = negatives[rng.integers(len(negatives))]
        nh, nw = n.shape[:2]
        # cut a region of the target aspect first, then resize only that region (cheap)
        s = min(nh / h, nw / w) * rng.uniform(0.3, 1.0)
        ch, cw = max(2, int(h * s)), max(2, int(w * s))
        y, x = rng.integers(0, nh - ch + 1), rng.integers(0, nw - cw + 1)
        bg = cv2.resize(n[y:y + ch, x:x + cw], (w, h), interpolation=cv2.INTER_LINEAR)
        return bg if bg.ndim == 3 else cv2.cvtColor(bg, cv2.COLOR_GRAY2BGR)
    bg = np.zeros((h, w, 3), np.float32) + np.array(_rand_color(rng), np.float32)
    # bumper-like horizontal structures
    for _ in range(rng.integers(0, 4)):
        y = rng.integers(0, h)
        bg[y:y + rng.integers(2, max(3, h // 6))] *= rng.uniform(0.4, 1.3)
    bg += rng.normal(0, 6, (h, w, 1))
    return np.clip(bg, 0, 255).astype(np.uint8)
