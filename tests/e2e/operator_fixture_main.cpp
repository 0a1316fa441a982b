// The main of every operator e2e binary: one git server for the whole
// binary (operator_fixture.h).
#include <gtest/gtest.h>

#include "operator_fixture.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new runledger::e2e::GitServer);
  return RUN_ALL_TESTS();
}
