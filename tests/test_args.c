/*
 * test_args.c - the shared command line, and sizes with K/M/G/T.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <string.h>

#include "wm_args.h"

static void test_parse_size_accepts_numbers_and_binary_suffixes(void **state)
{
    uint64_t bytes = 99;

    (void)state;
    assert_int_equal(wm_parse_size(L"0", &bytes), ERROR_SUCCESS);
    assert_true(bytes == 0);
    assert_int_equal(wm_parse_size(L"1", &bytes), ERROR_SUCCESS);
    assert_true(bytes == 1);
    assert_int_equal(wm_parse_size(L"4K", &bytes), ERROR_SUCCESS);
    assert_true(bytes == 4096);
    assert_int_equal(wm_parse_size(L"16M", &bytes), ERROR_SUCCESS);
    assert_true(bytes == 16ull * 1024 * 1024);
    assert_int_equal(wm_parse_size(L"1G", &bytes), ERROR_SUCCESS);
    assert_true(bytes == 1024ull * 1024 * 1024);
    assert_int_equal(wm_parse_size(L"2t", &bytes), ERROR_SUCCESS);
    assert_true(bytes == 2ull << 40);
    assert_int_equal(wm_parse_size(L"64KiB", &bytes), ERROR_SUCCESS);
    assert_true(bytes == 65536);
    assert_int_equal(wm_parse_size(L"1gb", &bytes), ERROR_SUCCESS);
    assert_true(bytes == 1ull << 30);
    assert_int_equal(wm_parse_size(L"18446744073709551615", &bytes), ERROR_SUCCESS);
    assert_true(bytes == UINT64_MAX);
}

static void test_parse_size_rejects_overflow(void **state)
{
    uint64_t bytes = 99;

    (void)state;
    assert_int_equal(wm_parse_size(L"99999999999999999999", &bytes), ERROR_ARITHMETIC_OVERFLOW);
    assert_int_equal(wm_parse_size(L"18446744073709551616", &bytes), ERROR_ARITHMETIC_OVERFLOW);
    assert_int_equal(wm_parse_size(L"16777216T", &bytes), ERROR_ARITHMETIC_OVERFLOW);
    assert_true(bytes == 99); /* untouched on failure */
}

static void test_parse_size_rejects_garbage(void **state)
{
    uint64_t bytes = 99;

    (void)state;
    assert_int_equal(wm_parse_size(L"12Q", &bytes), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_parse_size(L"-1", &bytes), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_parse_size(L"", &bytes), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_parse_size(L" 1", &bytes), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_parse_size(L"1 K", &bytes), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_parse_size(L"1KK", &bytes), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_parse_size(L"K", &bytes), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_parse_size(L"+5", &bytes), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_parse_size(L"0x10", &bytes), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_parse_size(NULL, &bytes), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_parse_size(L"1", NULL), ERROR_INVALID_PARAMETER);
    assert_true(bytes == 99);
}

static void test_parse_unsigned_takes_digits_only(void **state)
{
    uint64_t value = 0;

    (void)state;
    assert_int_equal(wm_parse_unsigned(L"42", &value), ERROR_SUCCESS);
    assert_true(value == 42);
    assert_int_equal(wm_parse_unsigned(L"4K", &value), ERROR_INVALID_PARAMETER);
}

/* A demo's extra options, for the parser tests. */
typedef struct extras_s
{
    uint64_t size;
    uint64_t count;
    const wchar_t *name;
    int flag;
} extras_t;

static extras_t extras;

static const wm_option_spec_t specs[] = {
    {L"--size", WM_OPTION_SIZE, &extras.size, "SIZE", "a size"},
    {L"--count", WM_OPTION_UNSIGNED, &extras.count, "N", "a count"},
    {L"--name", WM_OPTION_TEXT, &extras.name, "NAME", "a name"},
    {L"--flag", WM_OPTION_FLAG, &extras.flag, NULL, "a flag"},
};

#define SPEC_COUNT (sizeof specs / sizeof specs[0])

static wm_args_result_t parse(int argc, wchar_t **argv, wm_options_t *options, char *error)
{
    memset(&extras, 0, sizeof extras);
    return wm_args_parse(argc, argv, specs, SPEC_COUNT, options, error, 256);
}

static void test_args_defaults_when_nothing_is_given(void **state)
{
    wchar_t *argv[] = {L"demo"};
    wm_options_t options;
    char error[256];

    (void)state;
    assert_int_equal(parse(1, argv, &options, error), WM_ARGS_RUN);
    assert_false(options.json);
    assert_false(options.pause);
    assert_int_equal(options.color, WM_COLOR_AUTO);
}

static void test_args_reads_shared_and_extra_options_in_both_forms(void **state)
{
    wchar_t *argv[] = {L"demo", L"--json",    L"--color=never", L"--pause", L"--size",
                       L"64K",  L"--count=3", L"--name=heap",   L"--flag"};
    wm_options_t options;
    char error[256];

    (void)state;
    assert_int_equal(parse(9, argv, &options, error), WM_ARGS_RUN);
    assert_true(options.json);
    assert_true(options.pause);
    assert_int_equal(options.color, WM_COLOR_NEVER);
    assert_true(extras.size == 65536);
    assert_true(extras.count == 3);
    assert_true(wcscmp(extras.name, L"heap") == 0);
    assert_true(extras.flag);
}

static void test_args_recognises_every_help_spelling(void **state)
{
    wchar_t *spellings[] = {L"/?", L"-?", L"-h", L"--help"};
    wchar_t *argv[2] = {L"demo", NULL};
    wm_options_t options;
    char error[256];
    size_t i = 0;

    (void)state;
    for (i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        argv[1] = spellings[i];
        assert_int_equal(parse(2, argv, &options, error), WM_ARGS_HELP);
    }
}

/* Each bad command line gives WM_ARGS_ERROR and a message naming the culprit. */
static void expect_error(int argc, wchar_t **argv, const char *culprit)
{
    wm_options_t options;
    char error[256];

    assert_int_equal(parse(argc, argv, &options, error), WM_ARGS_ERROR);
    assert_non_null(strstr(error, culprit));
    assert_null(strchr(error, '\n')); /* one line */
}

static void test_args_rejects_bad_command_lines_with_a_message(void **state)
{
    wchar_t *unknown[] = {L"demo", L"--bogus"};
    wchar_t *positional[] = {L"demo", L"stray"};
    wchar_t *bad_color[] = {L"demo", L"--color=pink"};
    wchar_t *bad_size[] = {L"demo", L"--size=12Q"};
    wchar_t *huge_size[] = {L"demo", L"--size=99999999999999999999"};
    wchar_t *missing_value[] = {L"demo", L"--size"};
    wchar_t *flag_value[] = {L"demo", L"--flag=1"};
    wchar_t *empty_name[] = {L"demo", L"--name="};
    wchar_t *bad_count[] = {L"demo", L"--count=-1"};

    (void)state;
    expect_error(2, unknown, "--bogus");
    expect_error(2, positional, "stray");
    expect_error(2, bad_color, "pink");
    expect_error(2, bad_size, "12Q");
    expect_error(2, huge_size, "too large");
    expect_error(2, missing_value, "--size");
    expect_error(2, flag_value, "--flag");
    expect_error(2, empty_name, "--name");
    expect_error(2, bad_count, "-1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_size_accepts_numbers_and_binary_suffixes),
        cmocka_unit_test(test_parse_size_rejects_overflow),
        cmocka_unit_test(test_parse_size_rejects_garbage),
        cmocka_unit_test(test_parse_unsigned_takes_digits_only),
        cmocka_unit_test(test_args_defaults_when_nothing_is_given),
        cmocka_unit_test(test_args_reads_shared_and_extra_options_in_both_forms),
        cmocka_unit_test(test_args_recognises_every_help_spelling),
        cmocka_unit_test(test_args_rejects_bad_command_lines_with_a_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
