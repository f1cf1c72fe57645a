/*
 * test_json.c - the streaming JSON writer: escaping, nesting, numbers, non-ASCII.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <string.h>

#include "wm_json.h"

typedef struct fixture_s
{
    wm_text_buffer_t buffer;
    wm_json_t json;
} fixture_t;

static fixture_t fixture;

static int setup(void **state)
{
    memset(&fixture, 0, sizeof fixture);
    wm_json_init(&fixture.json, wm_text_buffer_write, &fixture.buffer);
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

static void test_json_escapes_quotes_backslashes_and_control_characters(void **state)
{
    (void)state;
    wm_json_string(&fixture.json, "a\"b\\c\nd\re\tf\x01g\x1f");
    assert_string_equal(text(), "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001f\"");
}

static void test_json_passes_non_ascii_utf8_through(void **state)
{
    const char *word = "Gr\xc3\xb6\xc3\x9f"
                       "e \xe6\x97\xa5 \xf0\x9f\x98\x80";

    (void)state;
    wm_json_string(&fixture.json, word);
    assert_int_equal(fixture.buffer.length, strlen(word) + 2);
    assert_memory_equal(text() + 1, word, strlen(word));
}

static void test_json_replaces_invalid_utf8_with_u_fffd(void **state)
{
    (void)state;
    /* A lone continuation byte, a truncated sequence, an overlong '/', a surrogate. */
    wm_json_string(&fixture.json, "\x80|\xe6\x97|\xc0\xaf|\xed\xa0\x80");
    assert_string_equal(text(), "\"\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd|"
                                "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
}

static void test_json_nests_objects_and_arrays_with_commas(void **state)
{
    (void)state;
    wm_json_object_begin(&fixture.json);
    wm_json_key(&fixture.json, "a");
    wm_json_array_begin(&fixture.json);
    wm_json_unsigned(&fixture.json, 1);
    wm_json_object_begin(&fixture.json);
    wm_json_object_end(&fixture.json);
    wm_json_array_begin(&fixture.json);
    wm_json_array_end(&fixture.json);
    wm_json_null(&fixture.json);
    wm_json_array_end(&fixture.json);
    wm_json_key(&fixture.json, "b");
    wm_json_boolean(&fixture.json, 1);
    wm_json_key(&fixture.json, "c");
    wm_json_boolean(&fixture.json, 0);
    wm_json_object_end(&fixture.json);
    assert_string_equal(text(), "{\"a\":[1,{},[],null],\"b\":true,\"c\":false}");
    assert_int_equal(fixture.json.depth, 0);
    assert_false(fixture.json.misused);
}

static void test_json_writes_extreme_numbers_exactly(void **state)
{
    (void)state;
    wm_json_array_begin(&fixture.json);
    wm_json_unsigned(&fixture.json, 0);
    wm_json_unsigned(&fixture.json, UINT64_MAX);
    wm_json_signed(&fixture.json, INT64_MIN);
    wm_json_signed(&fixture.json, -1);
    wm_json_array_end(&fixture.json);
    assert_string_equal(text(), "[0,18446744073709551615,-9223372036854775808,-1]");
}

static void test_json_null_string_is_null_and_raw_is_embedded(void **state)
{
    (void)state;
    wm_json_array_begin(&fixture.json);
    wm_json_string(&fixture.json, NULL);
    wm_json_raw(&fixture.json, "{\"x\":1}", 7);
    wm_json_string(&fixture.json, "");
    wm_json_array_end(&fixture.json);
    assert_string_equal(text(), "[null,{\"x\":1},\"\"]");
}

static void test_json_marks_unbalanced_and_too_deep_nesting_as_misuse(void **state)
{
    int level = 0;

    (void)state;
    wm_json_array_end(&fixture.json);
    assert_true(fixture.json.misused);

    wm_text_buffer_free(&fixture.buffer);
    wm_json_init(&fixture.json, wm_text_buffer_write, &fixture.buffer);
    for (level = 0; level < WM_JSON_MAX_DEPTH; level++) {
        wm_json_array_begin(&fixture.json);
    }
    assert_false(fixture.json.misused);
    wm_json_array_begin(&fixture.json);
    assert_true(fixture.json.misused);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_json_escapes_quotes_backslashes_and_control_characters,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_passes_non_ascii_utf8_through, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_replaces_invalid_utf8_with_u_fffd, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_json_nests_objects_and_arrays_with_commas, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_json_writes_extreme_numbers_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_null_string_is_null_and_raw_is_embedded, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_json_marks_unbalanced_and_too_deep_nesting_as_misuse,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
