#include "kube/resource.h"

#include <gtest/gtest.h>

namespace runledger::kube {
namespace {

TEST(ResourceTest, Paths) {
  EXPECT_EQ(ResourcePath(resources::kPods, "", ""), "/api/v1/pods");
  EXPECT_EQ(ResourcePath(resources::kPods, "ml", "p", "status"),
            "/api/v1/namespaces/ml/pods/p/status");
  EXPECT_EQ(ResourcePath(resources::kTrainingRuns, "ml"),
            "/apis/runledger.dev/v1alpha1/namespaces/ml/trainingruns");
  EXPECT_EQ(ResourcePath(resources::kCustomResourceDefinitions, "ml", "x.y"),
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x.y");
}

TEST(ResourceTest, NamesAndApiVersions) {
  EXPECT_EQ(resources::kTrainingRuns.Name(), "trainingruns.runledger.dev");
  EXPECT_EQ(resources::kTrainingRuns.ApiVersion(), "runledger.dev/v1alpha1");
  EXPECT_EQ(resources::kPods.ApiVersion(), "v1");
}

TEST(ResourceTest, QueryStringSkipsEmptyValuesAndEscapes) {
  EXPECT_EQ(QueryString({{"a", ""}, {"b", ""}}), "");
  EXPECT_EQ(QueryString({{"labelSelector", "app in (a,b)"}, {"x", ""}, {"limit", "5"}}),
            "?labelSelector=app%20in%20%28a%2Cb%29&limit=5");
}

}  // namespace
}  // namespace runledger::kube
