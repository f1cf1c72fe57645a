/*
 * test_error.c - error codes as text; UTF-16 <-> UTF-8.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <string.h>

#include "winmem.h"
#include "wm_os.h"

static int ends_in_line_break(const char *text)
{
    size_t length = strlen(text);
    return length > 0 && (text[length - 1] == '\n' || text[length - 1] == '\r');
}

static void test_error_text_starts_with_the_code_and_has_no_line_break(void **state)
{
    char text[256];

    (void)state;
    assert_int_equal(wm_error_text(ERROR_INVALID_ADDRESS, text, sizeof text), ERROR_SUCCESS);
    /* The wording differs between Windows and Wine; the code and the form do not. */
    assert_true(strncmp(text, "487 ", 4) == 0);
    assert_true(strlen(text) > 4);
    assert_false(ends_in_line_break(text));
}

static void test_error_text_of_an_unknown_code_is_the_number(void **state)
{
    char text[64];

    (void)state;
    assert_int_equal(wm_error_text(0x2FFFFFFFu, text, sizeof text), ERROR_SUCCESS);
    assert_string_equal(text, "805306367");
}

static void test_error_text_falls_back_to_the_number_when_formatting_fails(void **state)
{
    char text[64];
    DWORD error = ERROR_SUCCESS;

    (void)state;
    wm_os_fault_arm(1, WM_TEST_INJECTED_ERROR); /* the first call is FormatMessageW */
    error = wm_error_text(ERROR_ACCESS_DENIED, text, sizeof text);
    (void)wm_os_fault_disarm();
    assert_int_equal(error, ERROR_SUCCESS);
    assert_string_equal(wm_os_fault_fired(), "FormatMessageW");
    assert_string_equal(text, "5");
}

static void test_error_text_cut_short_reports_insufficient_buffer(void **state)
{
    char text[6];

    (void)state;
    assert_int_equal(wm_error_text(ERROR_INVALID_ADDRESS, text, sizeof text),
                     ERROR_INSUFFICIENT_BUFFER);
    assert_int_equal(strlen(text), sizeof text - 1);
}

static void test_error_text_rejects_invalid_parameters(void **state)
{
    char text[8];

    (void)state;
    assert_int_equal(wm_error_text(5, NULL, 8), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_error_text(5, text, 0), ERROR_INVALID_PARAMETER);
}

static void test_utf8_round_trips_non_ascii(void **state)
{
    /* "Größe 日本 😀" */
    const wchar_t *wide = L"Gr\u00f6\u00dfe \u65e5\u672c \U0001F600";
    const char *expected = "Gr\xc3\xb6\xc3\x9f"
                           "e \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80";
    char utf8[64];
    wchar_t back[64];

    (void)state;
    assert_int_equal(wm_utf8_from_wide(wide, utf8, sizeof utf8), ERROR_SUCCESS);
    assert_string_equal(utf8, expected);
    assert_int_equal(wm_wide_from_utf8(utf8, back, 64), ERROR_SUCCESS);
    assert_true(wcscmp(back, wide) == 0);
}

static void test_utf8_that_does_not_fit_fails_and_leaves_an_empty_string(void **state)
{
    char utf8[4];

    (void)state;
    assert_int_equal(wm_utf8_from_wide(L"too long", utf8, sizeof utf8), ERROR_INSUFFICIENT_BUFFER);
    assert_string_equal(utf8, "");
}

static void test_wide_from_invalid_utf8_fails(void **state)
{
    wchar_t wide[16];

    (void)state;
    assert_int_equal(wm_wide_from_utf8("bad \xff byte", wide, 16), ERROR_NO_UNICODE_TRANSLATION);
}

static void test_conversions_reject_invalid_parameters(void **state)
{
    char utf8[8];
    wchar_t wide[8];

    (void)state;
    assert_int_equal(wm_utf8_from_wide(NULL, utf8, 8), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_utf8_from_wide(L"x", NULL, 8), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_utf8_from_wide(L"x", utf8, 0), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_wide_from_utf8(NULL, wide, 8), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_wide_from_utf8("x", NULL, 8), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_wide_from_utf8("x", wide, 0), ERROR_INVALID_PARAMETER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_text_starts_with_the_code_and_has_no_line_break),
        cmocka_unit_test(test_error_text_of_an_unknown_code_is_the_number),
        cmocka_unit_test_teardown(test_error_text_falls_back_to_the_number_when_formatting_fails,
                                  wm_test_teardown),
        cmocka_unit_test(test_error_text_cut_short_reports_insufficient_buffer),
        cmocka_unit_test(test_error_text_rejects_invalid_parameters),
        cmocka_unit_test(test_utf8_round_trips_non_ascii),
        cmocka_unit_test(test_utf8_that_does_not_fit_fails_and_leaves_an_empty_string),
        cmocka_unit_test(test_wide_from_invalid_utf8_fails),
        cmocka_unit_test(test_conversions_reject_invalid_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
