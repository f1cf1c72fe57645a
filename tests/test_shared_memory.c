/*
 * test_shared_memory.c - named sections, owner-only descriptors and the shared-memory
 * channel.
 *
 * Each assertion accepts the documented Windows behaviour; under Wine it also accepts the
 * recorded deviation (docs/deviations.md, named by id beside the assertion), never a Wine
 * version's behaviour as the only outcome.
 *
 * Run with "--torn-writer NAME", the program is the child of the torn-message test: it
 * opens the channel NAME, begins a message, writes half of it and exits without committing.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_test.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "winmem.h"
#include "wm_os.h"

/* The torn writer's exit code: it ends on purpose in the middle of a message. */
#define TORN_WRITER_EXIT 3

/* How long a channel test waits for the other end before calling it a failure. */
#define CHANNEL_TIMEOUT_MS 10000

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
    wm_probe_result_t probe;
    SIZE_T size = (SIZE_T)system_facts.allocation_granularity * 4;

    (void)state;
    assert_int_equal(wm_section_create(NULL, size, 1, FILE_MAP_READ | FILE_MAP_WRITE, &section),
                     ERROR_SUCCESS);
    assert_int_equal(wm_view_map(section.mapping, FILE_MAP_WRITE, 0, size, &view), ERROR_SUCCESS);
    /* kernel32/tests/virtual.c, test_MapViewOfFile ("read/write mapping with SEC_RESERVE"):
     * MEM_RESERVE until VirtualAlloc(MEM_COMMIT), then the committed range is MEM_COMMIT. */
    assert_true(VirtualQuery(view.data + system_facts.page_size, &info, sizeof info) != 0);
    assert_int_equal(info.State, MEM_RESERVE);
    assert_int_equal(wm_section_commit(&view, system_facts.page_size, 1), ERROR_SUCCESS);
    assert_true(VirtualQuery(view.data + system_facts.page_size, &info, sizeof info) != 0);
    assert_int_equal(info.State, MEM_COMMIT);
    assert_int_equal(info.RegionSize, system_facts.page_size);
    view.data[system_facts.page_size] = 7;
    /* A page never committed: "Reserved pages are not accessible" (Allocating Virtual Memory,
     * Microsoft Learn), so the read faults. Under Wine the recorded deviation
     * wine-sec-reserve-pages-accessible: the read runs and gives 0. */
    assert_int_equal(wm_probe(WM_PROBE_READ, view.data + 2 * system_facts.page_size, 0, &probe),
                     ERROR_SUCCESS);
    assert_true(probe.outcome == WM_PROBE_ACCESS_VIOLATION ||
                (wm_is_wine() && probe.outcome == WM_PROBE_DONE && probe.value == 0));
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

static void test_shared_memory_every_function_rejects_invalid_parameters(void **state)
{
    wm_section_t section;
    wm_channel_t channel;
    PSECURITY_DESCRIPTOR descriptor = NULL;
    unsigned char *payload = NULL;
    wchar_t name[WM_SECTION_NAME_MAX];
    char buffer[4];
    SIZE_T length = 0;

    (void)state;
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

static DWORD first_error(DWORD error, DWORD next)
{
    return error != ERROR_SUCCESS ? error : next;
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

static void
test_shared_memory_every_injected_failure_is_reported_and_leaves_nothing_open(void **state)
{
    (void)state;
    wm_test_sweep("section create/open/commit", section_create_open_commit,
                  WM_TEST_SWEEP_WAITS_ANY);
    wm_test_sweep("channel round trip", channel_round_trip, WM_TEST_SWEEP_WAITS_ANY);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_section_opening_for_more_than_granted_is_access_denied),
        cmocka_unit_test(test_section_an_existing_name_is_not_reused),
        cmocka_unit_test(test_section_two_views_share_the_same_bytes),
        cmocka_unit_test(test_section_reserve_pages_are_committed_on_demand),
        cmocka_unit_test(test_security_owner_only_descriptor_has_one_allow_entry),
        cmocka_unit_test(test_channel_messages_arrive_whole_and_in_order),
        cmocka_unit_test(test_channel_a_corrupted_message_fails_its_checksum),
        cmocka_unit_test(test_channel_a_writer_dying_mid_message_is_detected),
        cmocka_unit_test(test_shared_memory_every_function_rejects_invalid_parameters),
        cmocka_unit_test_teardown(
            test_shared_memory_every_injected_failure_is_reported_and_leaves_nothing_open,
            teardown),
    };

    if (argc == 3 && strcmp(argv[1], "--torn-writer") == 0) {
        return run_torn_writer(argv[2]);
    }
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
