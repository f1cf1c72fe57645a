/*
 * test_svg.c - the streaming SVG writer: the document, each element, XML escaping, numbers.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <string.h>

#include "wm_svg.h"

typedef struct fixture_s
{
    wm_text_buffer_t buffer;
    wm_svg_t svg;
} fixture_t;

static fixture_t fixture;

static int setup(void **state)
{
    memset(&fixture, 0, sizeof fixture);
    fixture.svg.write = wm_text_buffer_write;
    fixture.svg.context = &fixture.buffer;
    *state = &fixture;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    wm_text_buffer_free(&fixture.buffer);
    return 0;
}

static const char *text(void)
{
    return fixture.buffer.data == NULL ? "" : fixture.buffer.data;
}

static void test_svg_begin_and_end_write_a_document_with_a_view_box(void **state)
{
    (void)state;
    wm_svg_begin(&fixture.svg, wm_text_buffer_write, &fixture.buffer, 1200, 424.5, "13", "white");
    wm_svg_end(&fixture.svg);
    assert_string_equal(text(), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1200\" "
                                "height=\"424.5\" viewBox=\"0 0 1200 424.5\" "
                                "font-family=\"sans-serif\" font-size=\"13\">\n"
                                "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
                                "</svg>\n");
}

static void test_svg_rect_writes_its_style_in_order_and_its_title(void **state)
{
    const wm_svg_style_t style = {NULL, NULL, NULL, "#b07cd8", "#333", "0.5"};

    (void)state;
    wm_svg_rect(&fixture.svg, 940, 84, 6, 28, &style, "0x1000 4 KiB Image");
    wm_svg_rect(&fixture.svg, 10, 220, 16, 16, NULL, NULL);
    assert_string_equal(text(),
                        "<rect x=\"940\" y=\"84\" width=\"6\" height=\"28\" fill=\"#b07cd8\" "
                        "stroke=\"#333\" stroke-width=\"0.5\"><title>0x1000 4 KiB "
                        "Image</title></rect>\n"
                        "<rect x=\"10\" y=\"220\" width=\"16\" height=\"16\"/>\n");
}

static void test_svg_line_and_text_write_their_attributes(void **state)
{
    const wm_svg_style_t stroke = {NULL, NULL, NULL, NULL, "black", NULL};
    const wm_svg_style_t label = {"10", "bold", "middle", "#666", NULL, NULL};

    (void)state;
    wm_svg_line(&fixture.svg, 1.24, 2, 3, 4.96, &stroke);
    wm_svg_text(&fixture.svg, 5, 6, &label, "1000");
    assert_string_equal(text(), "<line x1=\"1.2\" y1=\"2\" x2=\"3\" y2=\"5\" stroke=\"black\"/>\n"
                                "<text x=\"5\" y=\"6\" font-size=\"10\" font-weight=\"bold\" "
                                "text-anchor=\"middle\" fill=\"#666\">1000</text>\n");
}

static void test_svg_numbers_keep_one_decimal_and_drop_a_trailing_zero(void **state)
{
    (void)state;
    wm_svg_rect(&fixture.svg, 0.04, -0.04, 12.35, 1e6, NULL, NULL);
    /* -0.04 rounds to -0.0, written as 0; 12.35 is not exact in binary: 12.3 or 12.4. */
    assert_true(strncmp(text(), "<rect x=\"0\" y=\"0\" width=\"12.", 28) == 0);
    assert_non_null(strstr(text(), "height=\"1000000\"/>\n"));
}

static void test_svg_escapes_text_and_titles_for_xml(void **state)
{
    (void)state;
    wm_svg_text(&fixture.svg, 0, 0, NULL, "a & b < c > d \"e\" 'f'");
    wm_svg_rect(&fixture.svg, 0, 0, 1, 1, NULL, "C:\\R&D\\<x>.dll");
    assert_string_equal(text(), "<text x=\"0\" y=\"0\">a &amp; b &lt; c &gt; d \"e\" 'f'</text>\n"
                                "<rect x=\"0\" y=\"0\" width=\"1\" height=\"1\"><title>"
                                "C:\\R&amp;D\\&lt;x&gt;.dll</title></rect>\n");
}

static void test_svg_escapes_attribute_values_quotes_included(void **state)
{
    const wm_svg_style_t style = {NULL, NULL, NULL, "url(\"#a\")&<>", NULL, NULL};

    (void)state;
    wm_svg_rect(&fixture.svg, 0, 0, 1, 1, &style, NULL);
    assert_string_equal(text(), "<rect x=\"0\" y=\"0\" width=\"1\" height=\"1\" "
                                "fill=\"url(&quot;#a&quot;)&amp;&lt;&gt;\"/>\n");
}

static void test_svg_passes_utf8_text_through(void **state)
{
    const char *word = "Gr\xc3\xb6\xc3\x9f"
                       "e \xe6\x97\xa5";

    (void)state;
    wm_svg_text(&fixture.svg, 0, 0, NULL, word);
    assert_non_null(strstr(text(), word));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_svg_begin_and_end_write_a_document_with_a_view_box,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_svg_rect_writes_its_style_in_order_and_its_title,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_svg_line_and_text_write_their_attributes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_svg_numbers_keep_one_decimal_and_drop_a_trailing_zero,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_svg_escapes_text_and_titles_for_xml, setup, teardown),
        cmocka_unit_test_setup_teardown(test_svg_escapes_attribute_values_quotes_included, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_svg_passes_utf8_text_through, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
