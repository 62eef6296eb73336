"""The briefing as a 16:9 PowerPoint slide: map picture, native table, notes."""
from __future__ import annotations

import io
from datetime import date as Date

from siting import clock, supply
from siting.labels import tech_label
from siting.outputs.briefing.content import (
    SYNTHETIC_STAMP_COLOUR,
    briefing_table,
    policy_line,
    provenance_line,
    synthetic_stamp,
    target_line,
)
from siting.outputs.briefing.figure import supply_curve_png
from siting.outputs.text import plain_text
from siting.units import Units

#: East Asian typeface asked for in the slide (PowerPoint on Chinese Windows has it;
#: other viewers substitute their own CJK font).
PPTX_EA_FONT = "Microsoft YaHei"
#: Slide geometry, inches.
_SLIDE_W, _SLIDE_H, _MARGIN = 13.333, 7.5, 0.3


def _style_run(run, size: float, *, bold: bool = False, colour: str | None = None):
    from pptx.dml.color import RGBColor
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    run.font.size = Pt(size)
    run.font.bold = bold
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)
    properties = run.font._rPr
    for old in properties.findall(qn("a:ea")):
        properties.remove(old)
    east_asian = properties.makeelement(qn("a:ea"), {"typeface": PPTX_EA_FONT})
    # schema order: fill and effects come before the latin/ea fonts
    latin = properties.find(qn("a:latin"))
    if latin is not None:
        latin.addnext(east_asian)
    else:
        properties.append(east_asian)


def pptx_bytes(result, map_png: bytes, *, date: Date | None = None,
               units: Units = "gw", notice: dict | None = None) -> bytes:
    """A 16:9 slide: title, the map picture, the summary table as a native table, notes."""
    from PIL import Image
    from pptx import Presentation
    from pptx.util import Emu, Inches, Pt

    date = date or clock.today()
    tech = result.scenario.tech
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(_SLIDE_W), Inches(_SLIDE_H)
    slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank

    def text_box(left, top, width, height, text, size, *, bold=False, colour=None):
        frame = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width),
                                         Inches(height)).text_frame
        frame.word_wrap = True
        for i, line in enumerate(text.split("\n")):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            _style_run(paragraph.add_run(), size, bold=bold, colour=colour)
            paragraph.runs[0].text = plain_text(line)
        return frame

    text_box(_MARGIN, 0.15, _SLIDE_W - 2 * _MARGIN, 0.6,
             f"内蒙古{tech_label(tech, 'zh')}基地选址简报", 26, bold=True)
    text_box(_MARGIN, 0.75, _SLIDE_W - 2 * _MARGIN, 0.4,
             f"Inner Mongolia {tech_label(tech, 'en')} base siting · "
             f"情景 scenario: {result.scenario.name} · {date.isoformat()}", 12,
             colour="404040")

    stamp = synthetic_stamp(result)
    if stamp:
        text_box(_SLIDE_W - _MARGIN - 3.6, 0.15, 3.6, 0.6, stamp, 11, bold=True,
                 colour=SYNTHETIC_STAMP_COLOUR.lstrip("#").upper())

    with Image.open(io.BytesIO(map_png)) as image:
        aspect = image.height / image.width
    width = min(7.9, 5.6 / aspect)
    slide.shapes.add_picture(io.BytesIO(map_png), Inches(_MARGIN), Inches(1.2), Inches(width),
                             Inches(width * aspect))

    left = _MARGIN + width + 0.25
    panel_w = _SLIDE_W - left - _MARGIN
    text_box(left, 1.15, panel_w, 0.7, target_line(result, units=units), 12, bold=True)
    table = briefing_table(result, units=units)
    rows, cols = len(table) + 1, len(table.columns)
    shape = slide.shapes.add_table(rows, cols, Inches(left), Inches(1.9), Inches(panel_w),
                                   Inches(0.3 * rows))
    grid = shape.table
    for j, share in enumerate((0.12, 0.17, 0.19, 0.14, 0.14, 0.15, 0.09)):
        grid.columns[j].width = Emu(int(Inches(panel_w) * share))
    cells = [list(map(plain_text, table.columns))] + [[plain_text(v) for v in row]
                                     for row in table.itertuples(index=False)]
    for i, values in enumerate(cells):
        for j, value in enumerate(values):
            cell = grid.cell(i, j)
            cell.margin_left = cell.margin_right = Inches(0.05)
            paragraph = cell.text_frame.paragraphs[0]
            if value:
                _style_run(paragraph.add_run(), 10, bold=i == 0)
                paragraph.runs[0].text = value
            # an empty cell is as tall as its end-of-paragraph mark (18 pt by default)
            paragraph._p.get_or_add_endParaRPr().set("sz", str(int(Pt(10).pt * 100)))
    below = 1.9 + 0.3 * rows + 0.1
    policy = policy_line(result, units=units)
    if policy:
        text_box(left, below, panel_w, 0.45, policy, 10)
        below += 0.5
    curve = supply.supply_curve(result.bases)
    room = 6.9 - below  # inches left above the provenance line
    if len(curve) and room >= 0.8:
        slide.shapes.add_picture(io.BytesIO(supply_curve_png(
            curve, result.scenario.targets.target_gw, units, size_in=(panel_w, room))),
            Inches(left), Inches(below), Inches(panel_w), Inches(room))
    text_box(_MARGIN, 6.95, _SLIDE_W - 2 * _MARGIN, 0.5, provenance_line(result, notice), 8.5,
             colour="555555")
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()

