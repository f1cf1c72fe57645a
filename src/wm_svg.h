/*
 * wm_svg.h - a small streaming SVG writer: a document, rectangles, lines and text.
 *
 * Like the JSON writer (wm_json.h) it writes through a wm_write_fn as you call it and
 * builds no tree. Each element is one line. Text, titles and attribute values are
 * escaped for XML; numbers are written with at most one decimal ("12", "12.5").
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_SVG_H
#define WM_SVG_H

#include "wm_json.h" /* wm_write_fn */

/* How an element is drawn: each field that is not NULL becomes that SVG attribute, in
 * this order. Values are UTF-8 and are escaped. */
typedef struct wm_svg_style_s
{
    const char *font_size;    /* font-size: "10" */
    const char *font_weight;  /* font-weight: "bold" */
    const char *text_anchor;  /* text-anchor: "start", "middle" or "end" */
    const char *fill;         /* fill: "#2e8b57" */
    const char *stroke;       /* stroke: "#333" */
    const char *stroke_width; /* stroke-width: "0.5" */
} wm_svg_style_t;

/* A picture being written. */
typedef struct wm_svg_s
{
    wm_write_fn write; /* the sink */
    void *context;     /* passed to write */
} wm_svg_t;

/* Starts a document width x height user units (pixels at 100%) with the same viewBox, so
 * it scales when shown smaller: the XML declaration, then <svg> with a sans-serif font of
 * font_size (e.g. "13"), then, if background is not NULL, a rectangle of that colour
 * under everything. Call wm_svg_end once the elements are written. */
void wm_svg_begin(wm_svg_t *svg, wm_write_fn write, void *context, double width, double height,
                  const char *font_size, const char *background);

/* Ends the document (</svg>). */
void wm_svg_end(wm_svg_t *svg);

/* A rectangle. If title is not NULL it becomes the rectangle's <title> (what a browser
 * shows on hover); style may be NULL. */
void wm_svg_rect(wm_svg_t *svg, double x, double y, double width, double height,
                 const wm_svg_style_t *style, const char *title);

/* A line from (x1, y1) to (x2, y2); give it a style with a stroke to see it. */
void wm_svg_line(wm_svg_t *svg, double x1, double y1, double x2, double y2,
                 const wm_svg_style_t *style);

/* Text whose baseline starts at (x, y) (or is centred or ends there: text_anchor). */
void wm_svg_text(wm_svg_t *svg, double x, double y, const wm_svg_style_t *style, const char *text);

#endif /* WM_SVG_H */
