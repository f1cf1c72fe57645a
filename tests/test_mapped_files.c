/*
 * test_mapped_files.c - mapped files: views at any offset, growing, copy-on-write, sliding
 * views over files beyond 4 GiB, in-place reversal.
 *
 * Every result is checked against an independent computation (ReadFile, VirtualQuery, a
 * byte-by-byte reversal). Each assertion accepts the documented Windows behaviour; under
 * Wine it also accepts the recorded deviation (docs/deviations.md, named by id beside the
 * assertion), never a Wine version's behaviour as the only outcome.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <stdlib.h>
#include <string.h>
#include <winioctl.h> /* FSCTL_SET_SPARSE: WIN32_LEAN_AND_MEAN leaves it out */

#include "winmem.h"
#include "wm_os.h"

/* 4 GiB: a sparse file larger than this proves the walk's offsets are 64-bit. */
#define FOUR_GIB (4ull * 1024 * 1024 * 1024)

static wm_system_t system_facts;

static int group_setup(void **state)
{
    (void)state;
    return wm_system_query(&system_facts) == ERROR_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    wm_test_stop_counting();
    return 0;
}

/* ---- Helpers: temp files written and read with plain file I/O, never through views ---- */

/* A byte pattern that differs from its own reverse and from zero. */
static unsigned char pattern_byte(ULONGLONG i)
{
    return (unsigned char)((i * 131u + 7u) ^ (i >> 8));
}

/* Creates a fresh temp file of size bytes of pattern_byte, and returns its path. */
static void make_temp_file(wchar_t path[MAX_PATH], ULONGLONG size)
{
    wchar_t folder[MAX_PATH];
    unsigned char buffer[4096];
    HANDLE file = INVALID_HANDLE_VALUE;
    ULONGLONG written = 0;
    DWORD chunk = 0;
    DWORD done = 0;
    DWORD i = 0;

    assert_true(GetTempPathW(MAX_PATH, folder) != 0);
    assert_true(GetTempFileNameW(folder, L"wmt", 0, path) != 0); /* 0: a unique name */
    file = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    assert_true(file != INVALID_HANDLE_VALUE);
    while (written < size) {
        chunk = (DWORD)(size - written < sizeof buffer ? size - written : sizeof buffer);
        for (i = 0; i < chunk; i++) {
            buffer[i] = pattern_byte(written + i);
        }
        assert_true(WriteFile(file, buffer, chunk, &done, NULL));
        assert_int_equal(done, chunk);
        written += chunk;
    }
    assert_true(CloseHandle(file));
}

/* Reads the whole file with ReadFile into a malloc'd buffer (*size bytes). */
static unsigned char *read_whole_file(const wchar_t *path, SIZE_T *size)
{
    HANDLE file = INVALID_HANDLE_VALUE;
    LARGE_INTEGER length;
    unsigned char *bytes = NULL;
    DWORD done = 0;

    file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                       FILE_ATTRIBUTE_NORMAL, NULL);
    assert_true(file != INVALID_HANDLE_VALUE);
    assert_true(GetFileSizeEx(file, &length));
    *size = (SIZE_T)length.QuadPart;
    bytes = (unsigned char *)malloc(*size + 1);
    assert_non_null(bytes);
    if (*size != 0) {
        assert_true(ReadFile(file, bytes, (DWORD)*size, &done, NULL));
        assert_int_equal(done, *size);
    }
    assert_true(CloseHandle(file));
    return bytes;
}

/* A file's histogram with ReadFile: the independent computation. */
static void readfile_histogram(const wchar_t *path, ULONGLONG counts[256])
{
    HANDLE file = INVALID_HANDLE_VALUE;
    static unsigned char buffer[1024 * 1024];
    DWORD done = 0;
    DWORD i = 0;

    memset(counts, 0, 256 * sizeof counts[0]);
    file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
                       FILE_ATTRIBUTE_NORMAL, NULL);
    assert_true(file != INVALID_HANDLE_VALUE);
    for (;;) {
        assert_true(ReadFile(file, buffer, sizeof buffer, &done, NULL));
        if (done == 0) {
            break;
        }
        for (i = 0; i < done; i++) {
            counts[buffer[i]]++;
        }
    }
    assert_true(CloseHandle(file));
}

/* ---- Files ---- */

static void test_mapped_write_flush_then_a_new_view_sees_the_same_bytes(void **state)
{
    wchar_t path[MAX_PATH];
    wm_mapped_file_t mapped;
    wm_view_t view;
    SIZE_T i = 0;
    SIZE_T file_size = system_facts.page_size * 3 + 100; /* not a page multiple */

    (void)state;
    make_temp_file(path, file_size);
    assert_int_equal(wm_mapped_file_open(path, WM_MAP_WRITE, 0, &mapped), ERROR_SUCCESS);
    assert_int_equal(mapped.size, file_size);
    assert_int_equal(wm_mapped_file_view(&mapped, 0, 0, &view), ERROR_SUCCESS);
    assert_int_equal(view.length, file_size);
    for (i = 0; i < view.length; i++) {
        view.data[i] = (unsigned char)(255 - pattern_byte(i));
    }
    assert_int_equal(wm_view_flush(&view, mapped.file), ERROR_SUCCESS);
    assert_int_equal(wm_view_unmap(&view), ERROR_SUCCESS);
    assert_null(view.base);
    assert_int_equal(wm_mapped_file_close(&mapped), ERROR_SUCCESS);
    assert_true(mapped.file == INVALID_HANDLE_VALUE && mapped.mapping == NULL);

    /* CreateFileMappingW (Microsoft Learn): views of one file are coherent; a view is not
     * promised to be coherent with ReadFile, so the check is a new view of a new mapping. */
    assert_int_equal(wm_mapped_file_open(path, WM_MAP_READ, 0, &mapped), ERROR_SUCCESS);
    assert_int_equal(mapped.size, file_size);
    assert_int_equal(wm_mapped_file_view(&mapped, 0, 0, &view), ERROR_SUCCESS);
    for (i = 0; i < file_size; i++) {
        assert_int_equal(view.data[i], (unsigned char)(255 - pattern_byte(i)));
    }
    assert_int_equal(wm_view_unmap(&view), ERROR_SUCCESS);
    assert_int_equal(wm_mapped_file_close(&mapped), ERROR_SUCCESS);
    assert_true(DeleteFileW(path));
}

/* MapViewOfFile (Microsoft Learn), FILE_MAP_COPY: the process's commit charge is taken for
 * the entire view when it is mapped, before any write. */
static void test_mapped_copy_on_write_view_is_charged_when_mapped(void **state)
{
    wchar_t path[MAX_PATH];
    wm_mapped_file_t mapped;
    wm_view_t view;
    wm_process_counters_t before;
    wm_process_counters_t after;
    SIZE_T size = system_facts.page_size * 256;

    (void)state;
    make_temp_file(path, size);
    assert_int_equal(wm_mapped_file_open(path, WM_MAP_COPY, 0, &mapped), ERROR_SUCCESS);
    assert_int_equal(wm_process_counters(GetCurrentProcess(), &before), ERROR_SUCCESS);
    assert_int_equal(wm_mapped_file_view(&mapped, 0, 0, &view), ERROR_SUCCESS);
    assert_int_equal(wm_process_counters(GetCurrentProcess(), &after), ERROR_SUCCESS);
    /* PrivateUsage is the commit charge (PROCESS_MEMORY_COUNTERS_EX). Under Wine, or the
     * recorded deviation wine-private-usage-unfilled: the call never writes it. */
    assert_true((before.private_written && after.private_written &&
                 after.private_bytes >= before.private_bytes + size) ||
                (wm_is_wine() && !before.private_written && !after.private_written));
    assert_int_equal(wm_view_unmap(&view), ERROR_SUCCESS);
    assert_int_equal(wm_mapped_file_close(&mapped), ERROR_SUCCESS);
    assert_true(DeleteFileW(path));
}

static void test_mapped_reverse_is_byte_exact_for_awkward_sizes(void **state)
{
    const SIZE_T sizes[] = {0, 1, 2, 4095, 4097, 65537};
    wchar_t path[MAX_PATH];
    unsigned char *bytes = NULL;
    SIZE_T size = 0;
    SIZE_T i = 0;
    size_t k = 0;

    (void)state;
    for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        make_temp_file(path, sizes[k]);
        assert_int_equal(wm_mapped_file_reverse(path), ERROR_SUCCESS);
        bytes = read_whole_file(path, &size);
        assert_int_equal(size, sizes[k]);
        for (i = 0; i < size; i++) {
            assert_int_equal(bytes[i], pattern_byte(size - 1 - i));
        }
        free(bytes);
        assert_true(DeleteFileW(path));
    }
}

static void test_mapped_view_at_an_unaligned_offset_points_at_that_byte(void **state)
{
    wchar_t path[MAX_PATH];
    wm_mapped_file_t mapped;
    wm_view_t view;
    ULONGLONG offset = (ULONGLONG)system_facts.allocation_granularity + 12345;
    MEMORY_BASIC_INFORMATION info;

    (void)state;
    make_temp_file(path, (ULONGLONG)system_facts.allocation_granularity * 3);
    assert_int_equal(wm_mapped_file_open(path, WM_MAP_READ, 0, &mapped), ERROR_SUCCESS);
    assert_int_equal(wm_mapped_file_view(&mapped, offset, 100, &view), ERROR_SUCCESS);
    assert_int_equal((uintptr_t)view.base % system_facts.allocation_granularity, 0);
    assert_ptr_equal(view.data, (unsigned char *)view.base + 12345);
    assert_int_equal(view.data[0], pattern_byte(offset));
    assert_int_equal(view.data[99], pattern_byte(offset + 99));
    assert_true(VirtualQuery(view.base, &info, sizeof info) != 0);
    assert_int_equal(info.Type, MEM_MAPPED);
    assert_int_equal(wm_view_unmap(&view), ERROR_SUCCESS);
    assert_int_equal(wm_mapped_file_close(&mapped), ERROR_SUCCESS);
    assert_true(DeleteFileW(path));
}

static void test_mapped_exact_view_at_an_unaligned_offset_fails_with_mapped_alignment(void **state)
{
    wchar_t path[MAX_PATH];
    wm_mapped_file_t mapped;
    void *base = NULL;

    (void)state;
    make_temp_file(path, (ULONGLONG)system_facts.allocation_granularity * 2);
    assert_int_equal(wm_mapped_file_open(path, WM_MAP_READ, 0, &mapped), ERROR_SUCCESS);
    /* A page-aligned offset is still not granularity-aligned (MapViewOfFileEx). */
    assert_int_equal(
        wm_view_map_exact(mapped.mapping, FILE_MAP_READ, system_facts.page_size, 1, &base),
        ERROR_MAPPED_ALIGNMENT);
    assert_null(base);
    assert_int_equal(wm_view_map_exact(mapped.mapping, FILE_MAP_READ,
                                       system_facts.allocation_granularity, 1, &base),
                     ERROR_SUCCESS);
    assert_true(UnmapViewOfFile(base));
    assert_int_equal(wm_mapped_file_close(&mapped), ERROR_SUCCESS);
    assert_true(DeleteFileW(path));
}

static void test_mapped_a_larger_mapping_grows_the_file(void **state)
{
    wchar_t path[MAX_PATH];
    wm_mapped_file_t mapped;
    wm_view_t view;
    unsigned char *bytes = NULL;
    SIZE_T size = 0;
    ULONGLONG grown = (ULONGLONG)system_facts.allocation_granularity * 2 + 3;

    (void)state;
    make_temp_file(path, 100);
    /* Read-only and copy-on-write mappings cannot grow a file. */
    assert_int_equal(wm_mapped_file_open(path, WM_MAP_READ, grown, &mapped),
                     ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_mapped_file_open(path, WM_MAP_WRITE, grown, &mapped), ERROR_SUCCESS);
    assert_int_equal(mapped.size, grown);
    assert_int_equal(wm_mapped_file_view(&mapped, grown - 1, 1, &view), ERROR_SUCCESS);
    assert_int_equal(view.data[0], 0); /* the new bytes read as zero */
    view.data[0] = 0xAB;
    assert_int_equal(wm_view_flush(&view, mapped.file), ERROR_SUCCESS);
    assert_int_equal(wm_view_unmap(&view), ERROR_SUCCESS);
    assert_int_equal(wm_mapped_file_close(&mapped), ERROR_SUCCESS);
    bytes = read_whole_file(path, &size);
    assert_int_equal(size, grown);
    assert_int_equal(bytes[0], pattern_byte(0));
    assert_int_equal(bytes[99], pattern_byte(99));
    assert_int_equal(bytes[100], 0);
    assert_int_equal(bytes[grown - 1], 0xAB);
    free(bytes);
    assert_true(DeleteFileW(path));
}

static void test_mapped_an_empty_file_cannot_be_mapped(void **state)
{
    wchar_t path[MAX_PATH];
    wm_mapped_file_t mapped;

    (void)state;
    make_temp_file(path, 0);
    assert_int_equal(wm_mapped_file_open(path, WM_MAP_READ, 0, &mapped), ERROR_FILE_INVALID);
    assert_true(mapped.file == INVALID_HANDLE_VALUE && mapped.mapping == NULL);
    assert_true(DeleteFileW(path));
}

static void test_mapped_copy_on_write_stays_private(void **state)
{
    wchar_t path[MAX_PATH];
    wm_mapped_file_t private_map;
    wm_mapped_file_t shared_map;
    wm_view_t private_view;
    wm_view_t other_view;
    MEMORY_BASIC_INFORMATION info;
    unsigned char *bytes = NULL;
    SIZE_T size = 0;

    (void)state;
    make_temp_file(path, system_facts.page_size * 2);
    assert_int_equal(wm_mapped_file_open(path, WM_MAP_COPY, 0, &private_map), ERROR_SUCCESS);
    assert_int_equal(wm_mapped_file_open(path, WM_MAP_READ, 0, &shared_map), ERROR_SUCCESS);
    assert_int_equal(wm_mapped_file_view(&private_map, 0, 0, &private_view), ERROR_SUCCESS);
    assert_int_equal(wm_mapped_file_view(&shared_map, 0, 0, &other_view), ERROR_SUCCESS);
    assert_true(VirtualQuery(private_view.base, &info, sizeof info) != 0);
    assert_int_equal(info.Protect, PAGE_WRITECOPY);

    private_view.data[0] = (unsigned char)~pattern_byte(0);
    assert_int_equal(private_view.data[0], (unsigned char)~pattern_byte(0));
    assert_int_equal(other_view.data[0], pattern_byte(0)); /* the other view: unchanged */
    assert_true(VirtualQuery(private_view.base, &info, sizeof info) != 0);
    /* Memory Protection Constants (Microsoft Learn), PAGE_WRITECOPY: "The private page is
     * marked as PAGE_READWRITE". Under Wine the recorded deviation
     * wine-writecopy-still-reported: still PAGE_WRITECOPY, with the private copy made (the
     * other view still reads the original byte, above). */
    assert_true(info.Protect == PAGE_READWRITE || (wm_is_wine() && info.Protect == PAGE_WRITECOPY));
    assert_int_equal(wm_view_unmap(&other_view), ERROR_SUCCESS);
    assert_int_equal(wm_view_unmap(&private_view), ERROR_SUCCESS);
    assert_int_equal(wm_mapped_file_close(&shared_map), ERROR_SUCCESS);
    assert_int_equal(wm_mapped_file_close(&private_map), ERROR_SUCCESS);
    bytes = read_whole_file(path, &size);
    assert_int_equal(bytes[0], pattern_byte(0)); /* the file: unchanged */
    free(bytes);
    assert_true(DeleteFileW(path));
}

static void test_mapped_sliding_histogram_equals_the_readfile_histogram(void **state)
{
    wchar_t path[MAX_PATH];
    wm_mapped_file_t mapped;
    ULONGLONG expected[256];
    ULONGLONG counts[256];
    ULONGLONG size = (ULONGLONG)system_facts.allocation_granularity * 5 + 777;
    SIZE_T view_sizes[3];
    size_t k = 0;

    (void)state;
    view_sizes[0] = system_facts.allocation_granularity;
    view_sizes[1] = (SIZE_T)system_facts.allocation_granularity * 2;
    view_sizes[2] = (SIZE_T)system_facts.allocation_granularity * 16; /* larger than the file */
    make_temp_file(path, size);
    readfile_histogram(path, expected);
    assert_int_equal(wm_mapped_file_open(path, WM_MAP_READ, 0, &mapped), ERROR_SUCCESS);
    for (k = 0; k < 3; k++) {
        assert_int_equal(wm_mapped_file_histogram(&mapped, view_sizes[k], counts), ERROR_SUCCESS);
        assert_memory_equal(counts, expected, sizeof counts);
    }
    /* A view size that is not a multiple of the granularity cannot slide. */
    assert_int_equal(
        wm_mapped_file_histogram(&mapped, system_facts.allocation_granularity + 1, counts),
        ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_mapped_file_close(&mapped), ERROR_SUCCESS);
    assert_true(DeleteFileW(path));
}

/* Writes marks at the given offsets of a sparse file of size bytes. */
static void make_sparse_file(wchar_t path[MAX_PATH], ULONGLONG size, const ULONGLONG *offsets,
                             size_t count)
{
    wchar_t folder[MAX_PATH];
    HANDLE file = INVALID_HANDLE_VALUE;
    LARGE_INTEGER position;
    DWORD returned = 0;
    DWORD done = 0;
    unsigned char mark = 0x5A;
    size_t i = 0;

    assert_true(GetTempPathW(MAX_PATH, folder) != 0);
    assert_true(GetTempFileNameW(folder, L"wms", 0, path) != 0);
    file = CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                       FILE_ATTRIBUTE_NORMAL, NULL);
    assert_true(file != INVALID_HANDLE_VALUE);
    /* FSCTL_SET_SPARSE: holes take no disk space and read as zero. */
    assert_true(DeviceIoControl(file, FSCTL_SET_SPARSE, NULL, 0, NULL, 0, &returned, NULL));
    position.QuadPart = (LONGLONG)size;
    assert_true(SetFilePointerEx(file, position, NULL, FILE_BEGIN));
    assert_true(SetEndOfFile(file));
    for (i = 0; i < count; i++) {
        position.QuadPart = (LONGLONG)offsets[i];
        assert_true(SetFilePointerEx(file, position, NULL, FILE_BEGIN));
        assert_true(WriteFile(file, &mark, 1, &done, NULL));
    }
    assert_true(CloseHandle(file));
}

static void test_mapped_histogram_of_a_sparse_file_beyond_4_gib(void **state)
{
    wchar_t path[MAX_PATH];
    wm_mapped_file_t mapped;
    ULONGLONG counts[256];
    ULONGLONG size = FOUR_GIB + (ULONGLONG)system_facts.allocation_granularity * 3;
    ULONGLONG offsets[3];

    (void)state;
    offsets[0] = 1;
    offsets[1] = FOUR_GIB + 5; /* beyond 4 GiB: needs the high offset DWORD */
    offsets[2] = size - 1;     /* the very last byte */
    make_sparse_file(path, size, offsets, 3);
    assert_int_equal(wm_mapped_file_open(path, WM_MAP_READ, 0, &mapped), ERROR_SUCCESS);
    assert_int_equal(mapped.size, size);
    assert_int_equal(wm_mapped_file_histogram(
                         &mapped, (SIZE_T)system_facts.allocation_granularity * 1024, counts),
                     ERROR_SUCCESS);
    assert_int_equal(counts[0x5A], 3);
    assert_int_equal(counts[0], size - 3);
    assert_int_equal(wm_mapped_file_close(&mapped), ERROR_SUCCESS);
    assert_true(DeleteFileW(path));
}

static void test_mapped_read_only_and_copy_never_change_the_file(void **state)
{
    wchar_t path[MAX_PATH];
    wm_mapped_file_t mapped;
    wm_view_t view;
    WIN32_FILE_ATTRIBUTE_DATA before;
    WIN32_FILE_ATTRIBUTE_DATA after;
    unsigned char *bytes = NULL;
    SIZE_T size = 0;
    uint32_t hash_before = 0;
    uint32_t hash_after = 0;
    ULONGLONG counts[256];

    (void)state;
    make_temp_file(path, 50000);
    bytes = read_whole_file(path, &size);
    hash_before = wm_checksum(bytes, size, WM_CHECKSUM_SEED);
    free(bytes);
    assert_true(GetFileAttributesExW(path, GetFileExInfoStandard, &before));
    Sleep(20); /* so that a write would show in the modification time */
    assert_int_equal(wm_mapped_file_open(path, WM_MAP_READ, 0, &mapped), ERROR_SUCCESS);
    assert_int_equal(wm_mapped_file_histogram(&mapped, system_facts.allocation_granularity, counts),
                     ERROR_SUCCESS);
    assert_int_equal(wm_mapped_file_close(&mapped), ERROR_SUCCESS);
    assert_int_equal(wm_mapped_file_open(path, WM_MAP_COPY, 0, &mapped), ERROR_SUCCESS);
    assert_int_equal(wm_mapped_file_view(&mapped, 0, 0, &view), ERROR_SUCCESS);
    view.data[0] = (unsigned char)(view.data[0] ^ 0xFF);
    assert_int_equal(wm_view_unmap(&view), ERROR_SUCCESS);
    assert_int_equal(wm_mapped_file_close(&mapped), ERROR_SUCCESS);
    bytes = read_whole_file(path, &size);
    hash_after = wm_checksum(bytes, size, WM_CHECKSUM_SEED);
    free(bytes);
    assert_true(GetFileAttributesExW(path, GetFileExInfoStandard, &after));
    assert_int_equal(hash_after, hash_before);
    assert_int_equal(after.nFileSizeLow, before.nFileSizeLow);
    assert_memory_equal(&after.ftLastWriteTime, &before.ftLastWriteTime, sizeof(FILETIME));
    assert_true(DeleteFileW(path));
}

/* ---- Invalid parameters ---- */

static void test_mapped_every_function_rejects_invalid_parameters(void **state)
{
    wm_mapped_file_t mapped;
    wm_view_t view;
    ULONGLONG counts[256];
    void *base = NULL;

    (void)state;
    assert_int_equal(wm_mapped_file_open(NULL, WM_MAP_READ, 0, &mapped), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_mapped_file_open(L"", WM_MAP_READ, 0, &mapped), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_mapped_file_open(L"x", (wm_map_access_t)7, 0, &mapped),
                     ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_mapped_file_open(L"x", WM_MAP_READ, 0, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_mapped_file_close(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_mapped_file_view(NULL, 0, 0, &view), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_mapped_file_view(&mapped, 0, 0, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_view_map(NULL, FILE_MAP_READ, 0, 0, &view), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_view_map(NULL, FILE_MAP_READ, 0, 0, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_view_map_exact(NULL, FILE_MAP_READ, 0, 0, &base), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_view_map_exact(NULL, FILE_MAP_READ, 0, 0, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_view_unmap(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_view_flush(NULL, INVALID_HANDLE_VALUE), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_mapped_file_walk(NULL, 65536, NULL, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_mapped_file_histogram(NULL, 65536, counts), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_mapped_file_histogram(&mapped, 65536, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_mapped_file_reverse(NULL), ERROR_INVALID_PARAMETER);
}

/* ---- The sweep: each operation with each of its OS calls failing in turn ---- */

static wchar_t sweep_path[MAX_PATH];

static DWORD first_error(DWORD error, DWORD next)
{
    return error != ERROR_SUCCESS ? error : next;
}

static DWORD map_write_flush_close(void)
{
    wm_mapped_file_t mapped;
    wm_view_t view;
    DWORD error = ERROR_SUCCESS;

    error = wm_mapped_file_open(sweep_path, WM_MAP_WRITE, 0, &mapped);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_mapped_file_view(&mapped, 1, 10, &view);
    if (error == ERROR_SUCCESS) {
        view.data[0] = 1;
        error = wm_view_flush(&view, mapped.file);
        error = first_error(error, wm_view_unmap(&view));
    }
    return first_error(error, wm_mapped_file_close(&mapped));
}

static DWORD histogram(void)
{
    wm_mapped_file_t mapped;
    ULONGLONG counts[256];
    DWORD error = ERROR_SUCCESS;

    error = wm_mapped_file_open(sweep_path, WM_MAP_READ, 0, &mapped);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_mapped_file_histogram(&mapped, system_facts.allocation_granularity, counts);
    return first_error(error, wm_mapped_file_close(&mapped));
}

static DWORD reverse(void)
{
    return wm_mapped_file_reverse(sweep_path);
}

static void test_mapped_every_injected_failure_is_reported_and_leaves_nothing_open(void **state)
{
    (void)state;
    make_temp_file(sweep_path, (ULONGLONG)system_facts.allocation_granularity * 2 + 5);
    wm_test_sweep("map/write/flush/close", map_write_flush_close,
                  0 /* no fallback: each failure reaches the caller */);
    wm_test_sweep("histogram", histogram, 0 /* no fallback: each failure reaches the caller */);
    wm_test_sweep("reverse", reverse, 0 /* no fallback: each failure reaches the caller */);
    assert_true(DeleteFileW(sweep_path));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mapped_write_flush_then_a_new_view_sees_the_same_bytes),
        cmocka_unit_test(test_mapped_copy_on_write_view_is_charged_when_mapped),
        cmocka_unit_test(test_mapped_reverse_is_byte_exact_for_awkward_sizes),
        cmocka_unit_test(test_mapped_view_at_an_unaligned_offset_points_at_that_byte),
        cmocka_unit_test(test_mapped_exact_view_at_an_unaligned_offset_fails_with_mapped_alignment),
        cmocka_unit_test(test_mapped_a_larger_mapping_grows_the_file),
        cmocka_unit_test(test_mapped_an_empty_file_cannot_be_mapped),
        cmocka_unit_test(test_mapped_copy_on_write_stays_private),
        cmocka_unit_test(test_mapped_sliding_histogram_equals_the_readfile_histogram),
        cmocka_unit_test(test_mapped_histogram_of_a_sparse_file_beyond_4_gib),
        cmocka_unit_test(test_mapped_read_only_and_copy_never_change_the_file),
        cmocka_unit_test(test_mapped_every_function_rejects_invalid_parameters),
        cmocka_unit_test_teardown(
            test_mapped_every_injected_failure_is_reported_and_leaves_nothing_open, teardown),
    };

    return cmocka_run_group_tests(tests, group_setup, NULL);
}
