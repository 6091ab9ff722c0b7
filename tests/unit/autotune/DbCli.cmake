# End-to-end tests of `anvil db` (included from tests/unit/CMakeLists.txt): a
# fresh database filled from the checked-in data/small.jsonl, then looked into.
set(ANVIL_DB_TEST_DIR ${CMAKE_CURRENT_BINARY_DIR}/db_cli)
set(ANVIL_DB_TEST ${ANVIL_DB_TEST_DIR}/anvil.db)
set(ANVIL_DB_SMALL ${CMAKE_CURRENT_SOURCE_DIR}/autotune/data/small.jsonl)

add_test(NAME cli.db_clean COMMAND ${CMAKE_COMMAND} -E rm -rf ${ANVIL_DB_TEST_DIR})
set_tests_properties(cli.db_clean PROPERTIES LABELS cli FIXTURES_SETUP anvil_db_clean)
add_test(NAME cli.db_import COMMAND anvil db import ${ANVIL_DB_SMALL} --db ${ANVIL_DB_TEST})
set_tests_properties(cli.db_import PROPERTIES LABELS cli FIXTURES_REQUIRED anvil_db_clean FIXTURES_SETUP anvil_db_small
                     PASS_REGULAR_EXPRESSION "imported 4 records .* \\(4 in all\\)")

# 3 records of matmul 16x32x8, 2 valid, the best 0.82 us = 8192 flop / 0.82 us = 9.99 GFLOP/s.
add_test(NAME cli.db_list COMMAND anvil db list --db ${ANVIL_DB_TEST})
set_tests_properties(cli.db_list PROPERTIES LABELS cli FIXTURES_REQUIRED anvil_db_small
                     PASS_REGULAR_EXPRESSION "\"matmul\",\"shape\":\\[16,32,8\\]} +llvm -mcpu=native@[0-9a-f]+ +3 +2 +0\\.820 +9\\.99")
add_test(NAME cli.db_best COMMAND anvil db best --op matmul --shape 16,32,8 --db ${ANVIL_DB_TEST})
set_tests_properties(cli.db_best PROPERTIES LABELS cli FIXTURES_REQUIRED anvil_db_small
                     PASS_REGULAR_EXPRESSION "\"primitive\": \"cache_write\"")
# Only one-thread records: asked for 4 threads, the nearest tuned count stands in.
add_test(NAME cli.db_best_threads COMMAND anvil db best --op matmul --shape 16,32,8 --threads 4 --db ${ANVIL_DB_TEST})
set_tests_properties(cli.db_best_threads PROPERTIES LABELS cli FIXTURES_REQUIRED anvil_db_small
                     PASS_REGULAR_EXPRESSION "best of .* on llvm -mcpu=native@[0-9a-f]+: 0\\.820 us")
add_test(NAME cli.db_show COMMAND anvil db show --op matmul --shape 16,32,8 --db ${ANVIL_DB_TEST})
set_tests_properties(cli.db_show PROPERTIES LABELS cli FIXTURES_REQUIRED anvil_db_small
                     PASS_REGULAR_EXPRESSION "wrong_result +0\\.42 +0\\.05 max abs error 3\\.5")
# Export gives back the imported file byte for byte.
add_test(NAME cli.db_export COMMAND anvil db export ${ANVIL_DB_TEST_DIR}/export.jsonl --db ${ANVIL_DB_TEST})
set_tests_properties(cli.db_export PROPERTIES LABELS cli FIXTURES_REQUIRED anvil_db_small
                     FIXTURES_SETUP anvil_db_exported PASS_REGULAR_EXPRESSION "exported 4 records")
add_test(NAME cli.db_export_matches_import
         COMMAND ${CMAKE_COMMAND} -E compare_files ${ANVIL_DB_SMALL} ${ANVIL_DB_TEST_DIR}/export.jsonl)
set_tests_properties(cli.db_export_matches_import PROPERTIES LABELS cli FIXTURES_REQUIRED anvil_db_exported)

# Bad input: a clear message, nothing created or overwritten.
add_test(NAME cli.db_not_a_database COMMAND anvil db list --db ${CMAKE_CURRENT_SOURCE_DIR}/CMakeLists.txt)
set_tests_properties(cli.db_not_a_database PROPERTIES LABELS cli
                     PASS_REGULAR_EXPRESSION "CMakeLists.txt: is not an SQLite database")
add_test(NAME cli.db_missing COMMAND anvil db list --db ${ANVIL_DB_TEST_DIR}/none/anvil.db)
set_tests_properties(cli.db_missing PROPERTIES LABELS cli PASS_REGULAR_EXPRESSION "no tuning database at")
add_test(NAME cli.db_malformed_import COMMAND anvil db import ${CMAKE_CURRENT_SOURCE_DIR}/CMakeLists.txt
         --db ${ANVIL_DB_TEST_DIR}/malformed.db)
set_tests_properties(cli.db_malformed_import PROPERTIES LABELS cli
                     PASS_REGULAR_EXPRESSION "CMakeLists.txt:1: .*parse error")
