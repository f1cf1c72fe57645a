/*
 * svg.c - a small streaming SVG writer.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_svg.h"

#include <stdio.h>
#include <string.h>

static void emit(wm_svg_t *svg, const char *text)
{
    svg->write(svg->context, text, strlen(text));
}

/* Writes text with XML's special characters as entities. Element content needs only &, <
 * and > ("Extensible Markup Language (XML) 1.0", section 2.4); an attribute value, quoted
 * with ", needs " too. */
static void emit_escaped(wm_svg_t *svg, const char *text, int in_attribute)
{
    const char *run = text;
    const char *entity = NULL;

    while (*text != '\0') {
        entity = NULL;
        if (*text == '&') {
            entity = "&amp;";
        } else if (*text == '<') {
            entity = "&lt;";
        } else if (*text == '>') {
            entity = "&gt;";
        } else if (*text == '"' && in_attribute) {
            entity = "&quot;";
        }
        if (entity != NULL) {
            svg->write(svg->context, run, (size_t)(text - run));
            emit(svg, entity);
            run = text + 1;
        }
        text++;
    }
    svg->write(svg->context, run, (size_t)(text - run));
}

/* Formats value rounded to one decimal, without a trailing ".0": "12", "12.5". */
static void format_number(char *number, size_t capacity, double value)
{
    int length = snprintf(number, capacity, "%.1f", value);

    if (length < 0 || (size_t)length >= capacity) {
        snprintf(number, capacity, "0"); /* out of any picture's range */
    } else if (length >= 2 && strcmp(number + length - 2, ".0") == 0) {
        number[length - 2] = '\0';
    }
    if (strcmp(number, "-0") == 0) {
        snprintf(number, capacity, "0");
    }
}

/* Writes ` name="value"` with the number formatted as format_number does. */
static void emit_number(wm_svg_t *svg, const char *name, double value)
{
    char number[48];

    format_number(number, sizeof number, value);
    emit(svg, " ");
    emit(svg, name);
    emit(svg, "=\"");
    emit(svg, number);
    emit(svg, "\"");
}

/* Writes ` name="value"` with value escaped, if value is not NULL. */
static void emit_attribute(wm_svg_t *svg, const char *name, const char *value)
{
    if (value == NULL) {
        return;
    }
    emit(svg, " ");
    emit(svg, name);
    emit(svg, "=\"");
    emit_escaped(svg, value, 1);
    emit(svg, "\"");
}

static void emit_style(wm_svg_t *svg, const wm_svg_style_t *style)
{
    if (style == NULL) {
        return;
    }
    emit_attribute(svg, "font-size", style->font_size);
    emit_attribute(svg, "font-weight", style->font_weight);
    emit_attribute(svg, "text-anchor", style->text_anchor);
    emit_attribute(svg, "fill", style->fill);
    emit_attribute(svg, "stroke", style->stroke);
    emit_attribute(svg, "stroke-width", style->stroke_width);
}

void wm_svg_begin(wm_svg_t *svg, wm_write_fn write, void *context, double width, double height,
                  const char *font_size, const char *background)
{
    char view_width[48];
    char view_height[48];

    svg->write = write;
    svg->context = context;
    emit(svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    emit(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
    emit_number(svg, "width", width);
    emit_number(svg, "height", height);
    /* The viewBox maps user units to the width and height one to one. */
    format_number(view_width, sizeof view_width, width);
    format_number(view_height, sizeof view_height, height);
    emit(svg, " viewBox=\"0 0 ");
    emit(svg, view_width);
    emit(svg, " ");
    emit(svg, view_height);
    emit(svg, "\"");
    emit_attribute(svg, "font-family", "sans-serif");
    emit_attribute(svg, "font-size", font_size);
    emit(svg, ">\n");
    if (background != NULL) {
        emit(svg, "<rect width=\"100%\" height=\"100%\"");
        emit_attribute(svg, "fill", background);
        emit(svg, "/>\n");
    }
}

void wm_svg_end(wm_svg_t *svg)
{
    emit(svg, "</svg>\n");
}

void wm_svg_rect(wm_svg_t *svg, double x, double y, double width, double height,
                 const wm_svg_style_t *style, const char *title)
{
    emit(svg, "<rect");
    emit_number(svg, "x", x);
    emit_number(svg, "y", y);
    emit_number(svg, "width", width);
    emit_number(svg, "height", height);
    emit_style(svg, style);
    if (title == NULL) {
        emit(svg, "/>\n");
        return;
    }
    emit(svg, "><title>");
    emit_escaped(svg, title, 0);
    emit(svg, "</title></rect>\n");
}

void wm_svg_line(wm_svg_t *svg, double x1, double y1, double x2, double y2,
                 const wm_svg_style_t *style)
{
    emit(svg, "<line");
    emit_number(svg, "x1", x1);
    emit_number(svg, "y1", y1);
    emit_number(svg, "x2", x2);
    emit_number(svg, "y2", y2);
    emit_style(svg, style);
    emit(svg, "/>\n");
}

void wm_svg_text(wm_svg_t *svg, double x, double y, const wm_svg_style_t *style, const char *text)
{
    emit(svg, "<text");
    emit_number(svg, "x", x);
    emit_number(svg, "y", y);
    emit_style(svg, style);
    emit(svg, ">");
    emit_escaped(svg, text, 0);
    emit(svg, "</text>\n");
}
