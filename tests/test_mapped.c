/*
 * test_mapped.c - mapped files, named sections and the shared-memory channel.
 *
 * Every result is checked against an independent computation (ReadFile, VirtualQuery, a
 * byte-by-byte reversal). Where Wine differs from Windows (shared/notes/wine-fidelity.md,
 * rows 70, 73, 84) the test asserts each runtime's own behaviour, branching on wm_is_wine().
 *
 * Run with "--torn-writer NAME", the program is the child of the torn-message test: it
 * opens the channel NAME, begins a message, writes half of it and exits without committing.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <winioctl.h> /* FSCTL_SET_SPARSE: WIN32_LEAN_AND_MEAN leaves it out */

#include "winmem.h"
#include "wm_os.h"

/* The torn writer's exit code: it ends on purpose in the middle of a message. */
#define TORN_WRITER_EXIT 3

/* How long a channel test waits for the other end before calling it a failure. */
#define CHANNEL_TIMEOUT_MS 10000

/* 4 GiB: a sparse file larger than this proves the walk's offsets are 64-bit. */
#define FOUR_GIB (4ull * 1024 * 1024 * 1024)

static wm_system_t system_facts;
static int under_wine = 0;

static int group_setup(void **state)
{
    (void)state;
    under_wine = wm_is_wine();
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

static void test_mapped_write_flush_then_readfile_sees_the_same_bytes(void **state)
{
    wchar_t path[MAX_PATH];
    wm_mapped_file_t mapped;
    wm_view_t view;
    unsigned char *bytes = NULL;
    SIZE_T size = 0;
    SIZE_T i = 0;
    SIZE_T file_size = system_facts.page_size * 3 + 100; /* not a page multiple */

    (void)state;
    make_temp_file(path, file_size);
    assert_int_equal(wm_map_file_open(path, WM_MAP_WRITE, 0, &mapped), ERROR_SUCCESS);
    assert_int_equal(mapped.size, file_size);
    assert_int_equal(wm_map_view(&mapped, 0, 0, &view), ERROR_SUCCESS);
    assert_int_equal(view.length, file_size);
    for (i = 0; i < view.length; i++) {
        view.data[i] = (unsigned char)(255 - pattern_byte(i));
    }
    assert_int_equal(wm_view_flush(&view, mapped.file), ERROR_SUCCESS);
    assert_int_equal(wm_view_unmap(&view), ERROR_SUCCESS);
    assert_null(view.base);
    assert_int_equal(wm_map_file_close(&mapped), ERROR_SUCCESS);
    assert_true(mapped.file == INVALID_HANDLE_VALUE && mapped.mapping == NULL);

    bytes = read_whole_file(path, &size);
    assert_int_equal(size, file_size);
    for (i = 0; i < size; i++) {
        assert_int_equal(bytes[i], (unsigned char)(255 - pattern_byte(i)));
    }
    free(bytes);
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
        assert_int_equal(wm_map_file_reverse(path), ERROR_SUCCESS);
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
    assert_int_equal(wm_map_file_open(path, WM_MAP_READ, 0, &mapped), ERROR_SUCCESS);
    assert_int_equal(wm_map_view(&mapped, offset, 100, &view), ERROR_SUCCESS);
    assert_int_equal((uintptr_t)view.base % system_facts.allocation_granularity, 0);
    assert_ptr_equal(view.data, (unsigned char *)view.base + 12345);
    assert_int_equal(view.data[0], pattern_byte(offset));
    assert_int_equal(view.data[99], pattern_byte(offset + 99));
    assert_true(VirtualQuery(view.base, &info, sizeof info) != 0);
    assert_int_equal(info.Type, MEM_MAPPED);
    assert_int_equal(wm_view_unmap(&view), ERROR_SUCCESS);
    assert_int_equal(wm_map_file_close(&mapped), ERROR_SUCCESS);
    assert_true(DeleteFileW(path));
}

static void test_mapped_exact_view_at_an_unaligned_offset_fails_with_mapped_alignment(void **state)
{
    wchar_t path[MAX_PATH];
    wm_mapped_file_t mapped;
    void *base = NULL;

    (void)state;
    make_temp_file(path, (ULONGLONG)system_facts.allocation_granularity * 2);
    assert_int_equal(wm_map_file_open(path, WM_MAP_READ, 0, &mapped), ERROR_SUCCESS);
    /* A page-aligned offset is still not granularity-aligned (MapViewOfFileEx). */
    assert_int_equal(
        wm_view_map_exact(mapped.mapping, FILE_MAP_READ, system_facts.page_size, 1, &base),
        ERROR_MAPPED_ALIGNMENT);
    assert_null(base);
    assert_int_equal(wm_view_map_exact(mapped.mapping, FILE_MAP_READ,
                                       system_facts.allocation_granularity, 1, &base),
                     ERROR_SUCCESS);
    assert_true(UnmapViewOfFile(base));
    assert_int_equal(wm_map_file_close(&mapped), ERROR_SUCCESS);
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
    assert_int_equal(wm_map_file_open(path, WM_MAP_READ, grown, &mapped), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_file_open(path, WM_MAP_WRITE, grown, &mapped), ERROR_SUCCESS);
    assert_int_equal(mapped.size, grown);
    assert_int_equal(wm_map_view(&mapped, grown - 1, 1, &view), ERROR_SUCCESS);
    assert_int_equal(view.data[0], 0); /* the new bytes read as zero */
    view.data[0] = 0xAB;
    assert_int_equal(wm_view_flush(&view, mapped.file), ERROR_SUCCESS);
    assert_int_equal(wm_view_unmap(&view), ERROR_SUCCESS);
    assert_int_equal(wm_map_file_close(&mapped), ERROR_SUCCESS);
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
    assert_int_equal(wm_map_file_open(path, WM_MAP_READ, 0, &mapped), ERROR_FILE_INVALID);
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
    assert_int_equal(wm_map_file_open(path, WM_MAP_COPY, 0, &private_map), ERROR_SUCCESS);
    assert_int_equal(wm_map_file_open(path, WM_MAP_READ, 0, &shared_map), ERROR_SUCCESS);
    assert_int_equal(wm_map_view(&private_map, 0, 0, &private_view), ERROR_SUCCESS);
    assert_int_equal(wm_map_view(&shared_map, 0, 0, &other_view), ERROR_SUCCESS);
    assert_true(VirtualQuery(private_view.base, &info, sizeof info) != 0);
    assert_int_equal(info.Protect, PAGE_WRITECOPY);

    private_view.data[0] = (unsigned char)~pattern_byte(0);
    assert_int_equal(private_view.data[0], (unsigned char)~pattern_byte(0));
    assert_int_equal(other_view.data[0], pattern_byte(0)); /* the other view: unchanged */
    assert_true(VirtualQuery(private_view.base, &info, sizeof info) != 0);
    if (under_wine) {
        assert_int_equal(info.Protect, PAGE_WRITECOPY); /* wine-fidelity row 70 */
    } else {
        assert_int_equal(info.Protect, PAGE_READWRITE); /* the page is now a private copy */
    }
    assert_int_equal(wm_view_unmap(&other_view), ERROR_SUCCESS);
    assert_int_equal(wm_view_unmap(&private_view), ERROR_SUCCESS);
    assert_int_equal(wm_map_file_close(&shared_map), ERROR_SUCCESS);
    assert_int_equal(wm_map_file_close(&private_map), ERROR_SUCCESS);
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
    assert_int_equal(wm_map_file_open(path, WM_MAP_READ, 0, &mapped), ERROR_SUCCESS);
    for (k = 0; k < 3; k++) {
        assert_int_equal(wm_map_histogram(&mapped, view_sizes[k], counts), ERROR_SUCCESS);
        assert_memory_equal(counts, expected, sizeof counts);
    }
    /* A view size that is not a multiple of the granularity cannot slide. */
    assert_int_equal(wm_map_histogram(&mapped, system_facts.allocation_granularity + 1, counts),
                     ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_file_close(&mapped), ERROR_SUCCESS);
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
    assert_int_equal(wm_map_file_open(path, WM_MAP_READ, 0, &mapped), ERROR_SUCCESS);
    assert_int_equal(mapped.size, size);
    assert_int_equal(
        wm_map_histogram(&mapped, (SIZE_T)system_facts.allocation_granularity * 1024, counts),
        ERROR_SUCCESS);
    assert_int_equal(counts[0x5A], 3);
    assert_int_equal(counts[0], size - 3);
    assert_int_equal(wm_map_file_close(&mapped), ERROR_SUCCESS);
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
    assert_int_equal(wm_map_file_open(path, WM_MAP_READ, 0, &mapped), ERROR_SUCCESS);
    assert_int_equal(wm_map_histogram(&mapped, system_facts.allocation_granularity, counts),
                     ERROR_SUCCESS);
    assert_int_equal(wm_map_file_close(&mapped), ERROR_SUCCESS);
    assert_int_equal(wm_map_file_open(path, WM_MAP_COPY, 0, &mapped), ERROR_SUCCESS);
    assert_int_equal(wm_map_view(&mapped, 0, 0, &view), ERROR_SUCCESS);
    view.data[0] = (unsigned char)(view.data[0] ^ 0xFF);
    assert_int_equal(wm_view_unmap(&view), ERROR_SUCCESS);
    assert_int_equal(wm_map_file_close(&mapped), ERROR_SUCCESS);
    bytes = read_whole_file(path, &size);
    hash_after = wm_checksum(bytes, size, WM_CHECKSUM_SEED);
    free(bytes);
    assert_true(GetFileAttributesExW(path, GetFileExInfoStandard, &after));
    assert_int_equal(hash_after, hash_before);
    assert_int_equal(after.nFileSizeLow, before.nFileSizeLow);
    assert_memory_equal(&after.ftLastWriteTime, &before.ftLastWriteTime, sizeof(FILETIME));
    assert_true(DeleteFileW(path));
}

/* ---- Sections ---- */

static void test_section_opening_for_more_than_granted_is_access_denied(void **state)
{
    wm_section_t created;
    wm_section_t opened;
    wm_view_t view;
    wchar_t name[WM_SECTION_NAME_MAX];

    (void)state;
    assert_int_equal(wm_section_create(NULL, system_facts.page_size, 0, FILE_MAP_READ, &created),
                     ERROR_SUCCESS);
    assert_true(wcsncmp(created.name, L"Local\\", 6) == 0);
    assert_int_equal(wm_section_open(created.name, FILE_MAP_WRITE, &opened), ERROR_ACCESS_DENIED);
    assert_null(opened.mapping);
    assert_int_equal(wm_section_open(created.name, FILE_MAP_READ, &opened), ERROR_SUCCESS);
    assert_int_equal(wm_view_map(opened.mapping, FILE_MAP_READ, 0, 0, &view), ERROR_SUCCESS);
    assert_int_equal(wm_view_unmap(&view), ERROR_SUCCESS);
    assert_int_equal(wm_section_close(&opened), ERROR_SUCCESS);
    /* The creator's own handle has every right, whatever the descriptor grants others. */
    assert_int_equal(wm_view_map(created.mapping, FILE_MAP_WRITE, 0, 0, &view), ERROR_SUCCESS);
    assert_int_equal(wm_view_unmap(&view), ERROR_SUCCESS);
    memcpy(name, created.name, sizeof name);
    assert_int_equal(wm_section_close(&created), ERROR_SUCCESS);
    /* The name goes with the last handle (Creating Named Shared Memory; row 79). */
    assert_int_equal(wm_section_open(name, FILE_MAP_READ, &opened), ERROR_FILE_NOT_FOUND);
}

static void test_section_an_existing_name_is_not_reused(void **state)
{
    wm_section_t first;
    wm_section_t second;
    wchar_t name[WM_SECTION_NAME_MAX];

    (void)state;
    assert_int_equal(wm_section_unique_name(name, WM_SECTION_NAME_MAX), ERROR_SUCCESS);
    assert_int_equal(wm_section_create(name, 4096, 0, FILE_MAP_ALL_ACCESS, &first), ERROR_SUCCESS);
    /* Same name, and the descriptor would let us in: the object exists, so it is refused. */
    assert_int_equal(wm_section_create(name, 4096, 0, FILE_MAP_ALL_ACCESS, &second),
                     ERROR_ALREADY_EXISTS);
    assert_null(second.mapping);
    assert_int_equal(wm_section_close(&first), ERROR_SUCCESS);
    /* A create that finds an existing object opens it with full access: a descriptor that
     * grants less turns it away before the name check (CreateFileMappingW). */
    assert_int_equal(wm_section_create(name, 4096, 0, FILE_MAP_READ, &first), ERROR_SUCCESS);
    assert_int_equal(wm_section_create(name, 4096, 0, FILE_MAP_READ, &second), ERROR_ACCESS_DENIED);
    assert_null(second.mapping);
    assert_int_equal(wm_section_close(&first), ERROR_SUCCESS);
}

static void test_section_two_views_share_the_same_bytes(void **state)
{
    wm_section_t section;
    wm_view_t first;
    wm_view_t second;

    (void)state;
    assert_int_equal(wm_section_create(NULL, 5000, 0, FILE_MAP_READ | FILE_MAP_WRITE, &section),
                     ERROR_SUCCESS);
    assert_int_equal(wm_view_map(section.mapping, FILE_MAP_WRITE, 0, 5000, &first), ERROR_SUCCESS);
    assert_int_equal(wm_view_map(section.mapping, FILE_MAP_READ, 0, 5000, &second), ERROR_SUCCESS);
    assert_ptr_not_equal(first.base, second.base);
    assert_int_equal(second.data[4999], 0); /* a new section is zero */
    first.data[4999] = 42;
    assert_int_equal(second.data[4999], 42);
    assert_int_equal(wm_view_unmap(&second), ERROR_SUCCESS);
    assert_int_equal(wm_view_unmap(&first), ERROR_SUCCESS);
    assert_int_equal(wm_section_close(&section), ERROR_SUCCESS);
}

static void test_section_reserve_pages_are_committed_on_demand(void **state)
{
    wm_section_t section;
    wm_view_t view;
    MEMORY_BASIC_INFORMATION info;
    SIZE_T size = (SIZE_T)system_facts.allocation_granularity * 4;

    (void)state;
    assert_int_equal(wm_section_create(NULL, size, 1, FILE_MAP_READ | FILE_MAP_WRITE, &section),
                     ERROR_SUCCESS);
    assert_int_equal(wm_view_map(section.mapping, FILE_MAP_WRITE, 0, size, &view), ERROR_SUCCESS);
    assert_true(VirtualQuery(view.data + system_facts.page_size, &info, sizeof info) != 0);
    assert_int_equal(info.State, MEM_RESERVE);
    assert_int_equal(wm_section_commit(&view, system_facts.page_size, 1), ERROR_SUCCESS);
    assert_true(VirtualQuery(view.data + system_facts.page_size, &info, sizeof info) != 0);
    assert_int_equal(info.State, MEM_COMMIT);
    assert_int_equal(info.RegionSize, system_facts.page_size);
    view.data[system_facts.page_size] = 7;
    /* Access before commit faults on Windows; Wine allows it (row 73): not asserted here. */
    assert_int_equal(wm_section_commit(&view, size, 1), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_view_unmap(&view), ERROR_SUCCESS);
    assert_int_equal(wm_section_close(&section), ERROR_SUCCESS);
}

static void test_security_owner_only_descriptor_has_one_allow_entry(void **state)
{
    PSECURITY_DESCRIPTOR descriptor = NULL;
    BOOL present = FALSE;
    BOOL defaulted = FALSE;
    PACL dacl = NULL;
    ACL_SIZE_INFORMATION acl_info;
    ACCESS_ALLOWED_ACE *ace = NULL;

    (void)state;
    assert_int_equal(wm_security_owner_only(FILE_MAP_READ, &descriptor), ERROR_SUCCESS);
    assert_true(GetSecurityDescriptorDacl(descriptor, &present, &dacl, &defaulted));
    assert_true(present && dacl != NULL);
    assert_true(GetAclInformation(dacl, &acl_info, sizeof acl_info, AclSizeInformation));
    assert_int_equal(acl_info.AceCount, 1);
    assert_true(GetAce(dacl, 0, (void **)&ace));
    assert_int_equal(ace->Header.AceType, ACCESS_ALLOWED_ACE_TYPE);
    assert_int_equal(ace->Mask, FILE_MAP_READ);
    assert_int_equal(wm_security_free(&descriptor), ERROR_SUCCESS);
    assert_null(descriptor);
}

/* ---- The channel ---- */

static void test_channel_messages_arrive_whole_and_in_order(void **state)
{
    wm_channel_t writer;
    wm_channel_t reader;
    char message[64];
    char received[64];
    SIZE_T length = 0;
    int i = 0;

    (void)state;
    assert_int_equal(wm_channel_create(sizeof message, &writer), ERROR_SUCCESS);
    assert_int_equal(wm_channel_open(writer.section.name, &reader), ERROR_SUCCESS);
    assert_int_equal(reader.capacity, sizeof message);
    for (i = 0; i < 20; i++) {
        snprintf(message, sizeof message, "message %d", i);
        assert_int_equal(wm_channel_send(&writer, message, strlen(message) + 1, CHANNEL_TIMEOUT_MS),
                         ERROR_SUCCESS);
        assert_int_equal(
            wm_channel_receive(&reader, received, sizeof received, &length, CHANNEL_TIMEOUT_MS),
            ERROR_SUCCESS);
        assert_int_equal(length, strlen(message) + 1);
        assert_string_equal(received, message);
    }
    /* Nothing sent: the receive times out. A full slot: the send times out. */
    assert_int_equal(wm_channel_receive(&reader, received, sizeof received, &length, 10),
                     WAIT_TIMEOUT);
    assert_int_equal(wm_channel_send(&writer, "a", 1, 10), ERROR_SUCCESS);
    assert_int_equal(wm_channel_send(&writer, "b", 1, 10), WAIT_TIMEOUT);
    assert_int_equal(wm_channel_receive(&reader, received, 0, &length, 10),
                     ERROR_INSUFFICIENT_BUFFER);
    assert_int_equal(wm_channel_receive(&reader, received, sizeof received, &length, 10),
                     ERROR_SUCCESS);
    assert_int_equal(received[0], 'a');
    assert_int_equal(wm_channel_close(&reader), ERROR_SUCCESS);
    assert_int_equal(wm_channel_close(&writer), ERROR_SUCCESS);
}

static void test_channel_a_corrupted_message_fails_its_checksum(void **state)
{
    wm_channel_t writer;
    wm_channel_t reader;
    char received[16];
    SIZE_T length = 0;

    (void)state;
    assert_int_equal(wm_channel_create(sizeof received, &writer), ERROR_SUCCESS);
    assert_int_equal(wm_channel_open(writer.section.name, &reader), ERROR_SUCCESS);
    assert_int_equal(wm_channel_send(&writer, "hello", 5, CHANNEL_TIMEOUT_MS), ERROR_SUCCESS);
    /* flip a payload bit */
    writer.view.data[writer.view.length - sizeof received] =
        (unsigned char)(writer.view.data[writer.view.length - sizeof received] ^ 1);
    assert_int_equal(wm_channel_receive(&reader, received, sizeof received, &length, 10),
                     ERROR_CRC);
    assert_int_equal(wm_channel_close(&reader), ERROR_SUCCESS);
    assert_int_equal(wm_channel_close(&writer), ERROR_SUCCESS);
}

/* The child's side: begin a message, write half, end without commit. */
static int run_torn_writer(const char *name)
{
    wchar_t wide[WM_SECTION_NAME_MAX];
    wm_channel_t channel;
    unsigned char *payload = NULL;

    if (wm_wide_from_utf8(name, wide, WM_SECTION_NAME_MAX) != ERROR_SUCCESS) {
        return 1;
    }
    if (wm_channel_open(wide, &channel) != ERROR_SUCCESS) {
        return 1;
    }
    if (wm_channel_begin(&channel, CHANNEL_TIMEOUT_MS, &payload) != ERROR_SUCCESS) {
        return 1;
    }
    memset(payload, 'X', channel.capacity / 2);
    ExitProcess(TORN_WRITER_EXIT); /* ends holding the mutex: it is abandoned */
}

static void test_channel_a_writer_dying_mid_message_is_detected(void **state)
{
    wm_channel_t reader;
    wchar_t self[MAX_PATH];
    wchar_t arguments[WM_SECTION_NAME_MAX + 32];
    char received[32];
    SIZE_T length = 0;
    DWORD exit_code = 0;

    (void)state;
    assert_int_equal(wm_channel_create(sizeof received, &reader), ERROR_SUCCESS);
    assert_int_equal(wm_process_self_path(self, MAX_PATH), ERROR_SUCCESS);
    swprintf(arguments, sizeof arguments / sizeof arguments[0], L"--torn-writer %ls",
             reader.section.name);
    assert_int_equal(wm_process_run(self, arguments, NULL, NULL, &exit_code), ERROR_SUCCESS);
    assert_int_equal(exit_code, TORN_WRITER_EXIT);
    assert_int_equal(wm_channel_receive(&reader, received, sizeof received, &length, 1000),
                     ERROR_ABANDONED_WAIT_0);
    assert_int_equal(length, 0);
    /* The slot was emptied: the channel works again. */
    assert_int_equal(wm_channel_send(&reader, "ok", 3, 1000), ERROR_SUCCESS);
    reader.next_sequence = 1; /* this end both sent and receives: restart its count */
    assert_int_equal(wm_channel_receive(&reader, received, sizeof received, &length, 1000),
                     ERROR_SUCCESS);
    assert_string_equal(received, "ok");
    assert_int_equal(wm_channel_close(&reader), ERROR_SUCCESS);
}

/* ---- Invalid parameters ---- */

static void test_mapped_every_function_rejects_invalid_parameters(void **state)
{
    wm_mapped_file_t mapped;
    wm_view_t view;
    wm_section_t section;
    wm_channel_t channel;
    PSECURITY_DESCRIPTOR descriptor = NULL;
    ULONGLONG counts[256];
    void *base = NULL;
    unsigned char *payload = NULL;
    wchar_t name[WM_SECTION_NAME_MAX];
    char buffer[4];
    SIZE_T length = 0;

    (void)state;
    assert_int_equal(wm_map_file_open(NULL, WM_MAP_READ, 0, &mapped), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_file_open(L"", WM_MAP_READ, 0, &mapped), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_file_open(L"x", (wm_map_access_t)7, 0, &mapped),
                     ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_file_open(L"x", WM_MAP_READ, 0, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_file_close(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_view(NULL, 0, 0, &view), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_view(&mapped, 0, 0, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_view_map(NULL, FILE_MAP_READ, 0, 0, &view), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_view_map(NULL, FILE_MAP_READ, 0, 0, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_view_map_exact(NULL, FILE_MAP_READ, 0, 0, &base), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_view_map_exact(NULL, FILE_MAP_READ, 0, 0, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_view_unmap(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_view_flush(NULL, INVALID_HANDLE_VALUE), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_walk(NULL, 65536, NULL, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_histogram(NULL, 65536, counts), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_histogram(&mapped, 65536, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_map_file_reverse(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_security_owner_only(FILE_MAP_READ, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_security_owner_only(0, &descriptor), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_security_free(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_section_unique_name(NULL, 10), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_section_unique_name(name, 8), ERROR_INSUFFICIENT_BUFFER);
    assert_int_equal(wm_section_create(NULL, 0, 0, FILE_MAP_READ, &section),
                     ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_section_create(NULL, 4096, 0, 0, &section), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_section_create(NULL, 4096, 0, FILE_MAP_READ, NULL),
                     ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_section_open(NULL, FILE_MAP_READ, &section), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_section_open(L"Local\\x", 0, &section), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_section_close(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_section_commit(NULL, 0, 1), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_channel_create(0, &channel), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_channel_create(16, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_channel_open(NULL, &channel), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_channel_close(NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_channel_begin(NULL, 0, &payload), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_channel_begin(&channel, 0, NULL), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_channel_commit(NULL, 0), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_channel_send(NULL, buffer, 1, 0), ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_channel_receive(NULL, buffer, sizeof buffer, &length, 0),
                     ERROR_INVALID_PARAMETER);
    assert_int_equal(wm_channel_receive(&channel, buffer, sizeof buffer, NULL, 0),
                     ERROR_INVALID_PARAMETER);
}

/* ---- The sweep: each operation with each of its OS calls failing in turn ---- */

typedef DWORD (*operation_fn)(void);

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

    error = wm_map_file_open(sweep_path, WM_MAP_WRITE, 0, &mapped);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_map_view(&mapped, 1, 10, &view);
    if (error == ERROR_SUCCESS) {
        view.data[0] = 1;
        error = wm_view_flush(&view, mapped.file);
        error = first_error(error, wm_view_unmap(&view));
    }
    return first_error(error, wm_map_file_close(&mapped));
}

static DWORD histogram(void)
{
    wm_mapped_file_t mapped;
    ULONGLONG counts[256];
    DWORD error = ERROR_SUCCESS;

    error = wm_map_file_open(sweep_path, WM_MAP_READ, 0, &mapped);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_map_histogram(&mapped, system_facts.allocation_granularity, counts);
    return first_error(error, wm_map_file_close(&mapped));
}

static DWORD reverse(void)
{
    return wm_map_file_reverse(sweep_path);
}

static DWORD section_create_open_commit(void)
{
    wm_section_t created;
    wm_section_t opened;
    wm_view_t view;
    DWORD error = ERROR_SUCCESS;

    error = wm_section_create(NULL, system_facts.allocation_granularity, 1,
                              FILE_MAP_READ | FILE_MAP_WRITE, &created);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_section_open(created.name, FILE_MAP_WRITE, &opened);
    if (error == ERROR_SUCCESS) {
        error = wm_view_map(opened.mapping, FILE_MAP_WRITE, 0, 0, &view);
        if (error == ERROR_SUCCESS) {
            error = wm_section_commit(&view, 0, 1);
            error = first_error(error, wm_view_unmap(&view));
        }
        error = first_error(error, wm_section_close(&opened));
    }
    return first_error(error, wm_section_close(&created));
}

static DWORD channel_round_trip(void)
{
    wm_channel_t writer;
    wm_channel_t reader;
    char received[8];
    SIZE_T length = 0;
    DWORD error = ERROR_SUCCESS;

    error = wm_channel_create(sizeof received, &writer);
    if (error != ERROR_SUCCESS) {
        return error;
    }
    error = wm_channel_open(writer.section.name, &reader);
    if (error == ERROR_SUCCESS) {
        error = wm_channel_send(&writer, "abc", 3, 100);
        if (error == ERROR_SUCCESS) {
            error = wm_channel_receive(&reader, received, sizeof received, &length, 100);
        }
        error = first_error(error, wm_channel_close(&reader));
    }
    return first_error(error, wm_channel_close(&writer));
}

static void sweep(const char *name, operation_fn operation)
{
    unsigned long nth = 0;
    unsigned long calls = 0;
    const char *fired = NULL;
    DWORD error = ERROR_SUCCESS;
    int completed = 0;

    for (nth = 1; nth <= WM_TEST_MAX_CALLS && !completed; nth++) {
        wm_test_count_resources();
        wm_os_fault_arm(nth, WM_TEST_INJECTED_ERROR);
        error = operation();
        calls = wm_os_fault_disarm();
        fired = wm_os_fault_fired();
        if (fired == NULL) {
            assert_int_equal(error, ERROR_SUCCESS);
            completed = calls < nth;
        } else {
            print_message("%s: call %lu (%s) failed -> %lu\n", name, nth, fired,
                          (unsigned long)error);
            /* A failed wait or signal may show as a timeout of the other side; every other
             * failure reaches the caller unchanged. */
            if (strcmp(fired, "WaitForSingleObject") != 0 && strcmp(fired, "SetEvent") != 0) {
                assert_int_equal(error, wm_test_expected_error(fired));
            } else {
                assert_int_not_equal(error, ERROR_SUCCESS);
            }
        }
        if (!wm_test_release_failed(fired)) {
            assert_true(wm_test_nothing_held());
        }
        wm_test_stop_counting();
    }
    assert_true(completed);
}

static void test_mapped_every_injected_failure_is_reported_and_leaves_nothing_open(void **state)
{
    (void)state;
    make_temp_file(sweep_path, (ULONGLONG)system_facts.allocation_granularity * 2 + 5);
    sweep("map/write/flush/close", map_write_flush_close);
    sweep("histogram", histogram);
    sweep("reverse", reverse);
    sweep("section create/open/commit", section_create_open_commit);
    sweep("channel round trip", channel_round_trip);
    assert_true(DeleteFileW(sweep_path));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mapped_write_flush_then_readfile_sees_the_same_bytes),
        cmocka_unit_test(test_mapped_reverse_is_byte_exact_for_awkward_sizes),
        cmocka_unit_test(test_mapped_view_at_an_unaligned_offset_points_at_that_byte),
        cmocka_unit_test(test_mapped_exact_view_at_an_unaligned_offset_fails_with_mapped_alignment),
        cmocka_unit_test(test_mapped_a_larger_mapping_grows_the_file),
        cmocka_unit_test(test_mapped_an_empty_file_cannot_be_mapped),
        cmocka_unit_test(test_mapped_copy_on_write_stays_private),
        cmocka_unit_test(test_mapped_sliding_histogram_equals_the_readfile_histogram),
        cmocka_unit_test(test_mapped_histogram_of_a_sparse_file_beyond_4_gib),
        cmocka_unit_test(test_mapped_read_only_and_copy_never_change_the_file),
        cmocka_unit_test(test_section_opening_for_more_than_granted_is_access_denied),
        cmocka_unit_test(test_section_an_existing_name_is_not_reused),
        cmocka_unit_test(test_section_two_views_share_the_same_bytes),
        cmocka_unit_test(test_section_reserve_pages_are_committed_on_demand),
        cmocka_unit_test(test_security_owner_only_descriptor_has_one_allow_entry),
        cmocka_unit_test(test_channel_messages_arrive_whole_and_in_order),
        cmocka_unit_test(test_channel_a_corrupted_message_fails_its_checksum),
        cmocka_unit_test(test_channel_a_writer_dying_mid_message_is_detected),
        cmocka_unit_test(test_mapped_every_function_rejects_invalid_parameters),
        cmocka_unit_test_teardown(
            test_mapped_every_injected_failure_is_reported_and_leaves_nothing_open, teardown),
    };

    if (argc == 3 && strcmp(argv[1], "--torn-writer") == 0) {
        return run_torn_writer(argv[2]);
    }
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
