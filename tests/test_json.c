/*
 * test_json.c - the streaming JSON writer (escaping, nesting, numbers, non-ASCII) and the
 * pull-style reader (escapes, nesting, truncated input, bad numbers, overflow, depth).
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <string.h>

#include "wm_json.h"
#include "wm_json_read.h"

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

/* ------------------------------------------------------------------------------------ */
/* The reader (wm_json_read.h).                                                         */
/* ------------------------------------------------------------------------------------ */

/* A reader over a string literal (its NUL not included). */
static wm_json_reader_t reader_over(const char *input)
{
    wm_json_reader_t reader;

    wm_json_reader_init(&reader, input, strlen(input));
    return reader;
}

static void test_json_read_walks_a_well_formed_object(void **state)
{
    wm_json_reader_t reader = reader_over(" { \"tool\" : \"map\", \"n\":[1, 22 ,333] }\n");
    char word[16];
    uint64_t value = 0;
    uint64_t sum = 0;
    int more = 0;

    (void)state;
    assert_int_equal(wm_json_read_token(&reader, '{'), ERROR_SUCCESS);
    assert_int_equal(wm_json_read_string(&reader, word, sizeof word), ERROR_SUCCESS);
    assert_string_equal(word, "tool");
    assert_int_equal(wm_json_read_token(&reader, ':'), ERROR_SUCCESS);
    assert_int_equal(wm_json_read_string(&reader, word, sizeof word), ERROR_SUCCESS);
    assert_string_equal(word, "map");
    assert_int_equal(wm_json_read_more(&reader, '}', &more), ERROR_SUCCESS);
    assert_true(more);
    assert_int_equal(wm_json_read_string(&reader, word, sizeof word), ERROR_SUCCESS);
    assert_int_equal(wm_json_read_token(&reader, ':'), ERROR_SUCCESS);
    assert_int_equal(wm_json_read_token(&reader, '['), ERROR_SUCCESS);
    do {
        assert_int_equal(wm_json_read_unsigned(&reader, &value), ERROR_SUCCESS);
        sum += value;
        assert_int_equal(wm_json_read_more(&reader, ']', &more), ERROR_SUCCESS);
    } while (more);
    assert_int_equal(sum, 356);
    assert_int_equal(wm_json_read_more(&reader, '}', &more), ERROR_SUCCESS);
    assert_false(more);
    assert_int_equal(wm_json_read_end(&reader), ERROR_SUCCESS);
}

static void test_json_read_reads_back_what_the_writer_escaped(void **state)
{
    const char *original = "a\"b\\c\nd\re\tf\x01g/ Gr\xc3\xb6\xc3\x9f"
                           "e \xf0\x9f\x98\x80";
    wm_json_reader_t reader;
    char decoded[64];

    (void)state;
    wm_json_string(&fixture.json, original);
    wm_json_reader_init(&reader, fixture.buffer.data, fixture.buffer.length);
    assert_int_equal(wm_json_read_string(&reader, decoded, sizeof decoded), ERROR_SUCCESS);
    assert_string_equal(decoded, original);
    assert_int_equal(wm_json_read_end(&reader), ERROR_SUCCESS);
}

static void test_json_read_decodes_unicode_escapes_and_surrogate_pairs(void **state)
{
    /* \u00e9 is 2 bytes of UTF-8, \u65e5 3, the pair \ud83d\ude00 (U+1F600) 4; a lone
     * surrogate becomes U+FFFD; \b, \f and \/ have their short forms. */
    wm_json_reader_t reader = reader_over("\"\\u00e9\\u65E5\\ud83d\\ude00|\\udc00|\\b\\f\\/\"");
    char decoded[32];

    (void)state;
    assert_int_equal(wm_json_read_string(&reader, decoded, sizeof decoded), ERROR_SUCCESS);
    assert_string_equal(decoded, "\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80|\xef\xbf\xbd|\b\f/");
}

static void test_json_read_rejects_bad_escapes_and_raw_control_characters(void **state)
{
    wm_json_reader_t reader = reader_over("\"ab\\x\"");
    char decoded[16];

    (void)state;
    assert_int_equal(wm_json_read_string(&reader, decoded, sizeof decoded), ERROR_INVALID_DATA);
    assert_int_equal(reader.position, 4); /* on the 'x' */
    assert_string_equal(decoded, "");
    reader = reader_over("\"\\u12g4\"");
    assert_int_equal(wm_json_read_string(&reader, decoded, sizeof decoded), ERROR_INVALID_DATA);
    reader = reader_over("\"a\nb\"");
    assert_int_equal(wm_json_read_string(&reader, decoded, sizeof decoded), ERROR_INVALID_DATA);
    assert_int_equal(reader.position, 2);
    reader = reader_over("42");
    assert_int_equal(wm_json_read_string(&reader, decoded, sizeof decoded), ERROR_INVALID_DATA);
    assert_int_equal(reader.position, 0);
}

static void test_json_read_string_too_long_for_the_buffer_fails_in_place(void **state)
{
    wm_json_reader_t reader = reader_over("  \"12345\"");
    char decoded[5];

    (void)state;
    assert_int_equal(wm_json_read_string(&reader, decoded, sizeof decoded),
                     ERROR_INSUFFICIENT_BUFFER);
    assert_int_equal(reader.position, 2); /* on the opening quote: skip it, or fail */
    assert_string_equal(decoded, "");
    assert_int_equal(wm_json_skip_value(&reader), ERROR_SUCCESS);
    assert_int_equal(wm_json_read_end(&reader), ERROR_SUCCESS);
    reader = reader_over("\"1234\"");
    assert_int_equal(wm_json_read_string(&reader, decoded, sizeof decoded), ERROR_SUCCESS);
    assert_string_equal(decoded, "1234");
}

static void test_json_read_stops_at_truncated_input(void **state)
{
    static const char *const truncated[] = {
        "", "{", "{\"a\"", "{\"a\":", "[1,", "\"abc", "\"\\u12", "tru", "-", "1.", "1e",
    };
    wm_json_reader_t reader;
    char decoded[16];
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof truncated / sizeof truncated[0]; i++) {
        reader = reader_over(truncated[i]);
        assert_int_equal(wm_json_skip_value(&reader), ERROR_HANDLE_EOF);
        assert_true(reader.position <= strlen(truncated[i]));
    }
    reader = reader_over("\"abc");
    assert_int_equal(wm_json_read_string(&reader, decoded, sizeof decoded), ERROR_HANDLE_EOF);
    reader = reader_over("  ");
    assert_int_equal(wm_json_read_token(&reader, '{'), ERROR_HANDLE_EOF);
    assert_int_equal(wm_json_reader_peek(&reader), '\0');
}

static void test_json_read_unsigned_rejects_what_is_not_an_unsigned_integer(void **state)
{
    static const char *const bad[] = {"-1", "01", "1.5", "2e3", "x", "\"7\""};
    wm_json_reader_t reader;
    uint64_t value = 99;
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        reader = reader_over(bad[i]);
        assert_int_equal(wm_json_read_unsigned(&reader, &value), ERROR_INVALID_DATA);
        assert_int_equal(value, 0);
    }
    reader = reader_over("0");
    assert_int_equal(wm_json_read_unsigned(&reader, &value), ERROR_SUCCESS);
    assert_int_equal(value, 0);
}

static void test_json_read_unsigned_checks_for_overflow(void **state)
{
    wm_json_reader_t reader = reader_over("[18446744073709551615, 18446744073709551616]");
    uint64_t value = 0;

    (void)state;
    assert_int_equal(wm_json_read_token(&reader, '['), ERROR_SUCCESS);
    assert_int_equal(wm_json_read_unsigned(&reader, &value), ERROR_SUCCESS);
    assert_true(value == UINT64_MAX);
    assert_int_equal(wm_json_read_token(&reader, ','), ERROR_SUCCESS);
    assert_int_equal(wm_json_read_unsigned(&reader, &value), ERROR_ARITHMETIC_OVERFLOW);
    assert_int_equal(reader.position, 23); /* on its first digit */
    assert_int_equal(value, 0);
}

static void test_json_skip_value_skips_every_kind_of_value(void **state)
{
    wm_json_reader_t reader =
        reader_over("{\"a\":[true,false,null,-0.5e+3,1E2,\"\\\"}\",{}],\"b\":{\"c\":[[]]}} ");

    (void)state;
    assert_int_equal(wm_json_skip_value(&reader), ERROR_SUCCESS);
    assert_int_equal(wm_json_read_end(&reader), ERROR_SUCCESS);
}

static void test_json_skip_value_rejects_malformed_values(void **state)
{
    static const char *const bad[] = {
        "[1,]", "{\"a\" 1}", "{1:2}", "[1 2]", "nul!", "01", "1.e5", "+1", "{\"a\":1,}", "]",
    };
    wm_json_reader_t reader;
    size_t i = 0;
    DWORD error = ERROR_SUCCESS;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        reader = reader_over(bad[i]);
        error = wm_json_skip_value(&reader);
        if (error == ERROR_SUCCESS) {
            error = wm_json_read_end(&reader); /* "01" is the number 0, then a stray 1 */
        }
        assert_int_equal(error, ERROR_INVALID_DATA);
    }
}

static void test_json_skip_value_limits_the_nesting_depth(void **state)
{
    char nested[2 * (WM_JSON_MAX_DEPTH + 1) + 1];
    wm_json_reader_t reader;
    int level = 0;

    (void)state;
    for (level = 0; level < WM_JSON_MAX_DEPTH; level++) {
        nested[level] = '[';
        nested[WM_JSON_MAX_DEPTH + level] = ']';
    }
    wm_json_reader_init(&reader, nested, 2 * WM_JSON_MAX_DEPTH);
    assert_int_equal(wm_json_skip_value(&reader), ERROR_SUCCESS); /* as deep as the writer */
    for (level = 0; level <= WM_JSON_MAX_DEPTH; level++) {
        nested[level] = '[';
        nested[WM_JSON_MAX_DEPTH + 1 + level] = ']';
    }
    wm_json_reader_init(&reader, nested, 2 * (WM_JSON_MAX_DEPTH + 1));
    assert_int_equal(wm_json_skip_value(&reader), ERROR_INVALID_DATA);
    assert_int_equal(reader.position, WM_JSON_MAX_DEPTH); /* on the bracket one too deep */
}

static void test_json_read_skips_a_utf8_byte_order_mark(void **state)
{
    wm_json_reader_t reader = reader_over("\xEF\xBB\xBF{}");

    (void)state;
    assert_int_equal(reader.position, 3);
    assert_int_equal(wm_json_skip_value(&reader), ERROR_SUCCESS);
    assert_int_equal(wm_json_read_end(&reader), ERROR_SUCCESS);
    reader = reader_over("\xEF\xBB");
    assert_int_equal(reader.position, 0);
    assert_int_equal(wm_json_skip_value(&reader), ERROR_INVALID_DATA);
}

static void test_json_read_never_reads_past_the_length(void **state)
{
    /* The buffer holds more than the reader is given: it must stop at the length. */
    wm_json_reader_t reader;
    uint64_t value = 0;

    (void)state;
    wm_json_reader_init(&reader, "12345", 3);
    assert_int_equal(wm_json_read_unsigned(&reader, &value), ERROR_SUCCESS);
    assert_int_equal(value, 123);
    wm_json_reader_init(&reader, "\"ab\"", 3);
    assert_int_equal(wm_json_skip_value(&reader), ERROR_HANDLE_EOF);
    assert_int_equal(wm_json_read_token(&reader, '?'), ERROR_INVALID_PARAMETER);
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
        cmocka_unit_test_setup_teardown(test_json_read_walks_a_well_formed_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_read_reads_back_what_the_writer_escaped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_json_read_decodes_unicode_escapes_and_surrogate_pairs,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_json_read_rejects_bad_escapes_and_raw_control_characters, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_json_read_string_too_long_for_the_buffer_fails_in_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_read_stops_at_truncated_input, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_json_read_unsigned_rejects_what_is_not_an_unsigned_integer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_read_unsigned_checks_for_overflow, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_json_skip_value_skips_every_kind_of_value, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_json_skip_value_rejects_malformed_values, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_json_skip_value_limits_the_nesting_depth, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_json_read_skips_a_utf8_byte_order_mark, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_json_read_never_reads_past_the_length, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
