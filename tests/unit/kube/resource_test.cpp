#include "kube/resource.h"

#include <gtest/gtest.h>

namespace runledger::kube {
namespace {

TEST(ResourceTest, CoreCollectionInAllNamespaces) {
  EXPECT_EQ(*CollectionPath(resources::kPods, ""), "/api/v1/pods");
}

TEST(ResourceTest, GroupCollectionInOneNamespace) {
  EXPECT_EQ(*CollectionPath(resources::kTrainingRuns, "ml"),
            "/apis/runledger.dev/v1alpha1/namespaces/ml/trainingruns");
}

TEST(ResourceTest, ObjectWithSubresource) {
  EXPECT_EQ(*ObjectPath(resources::kPods, "ml", "p", "status"),
            "/api/v1/namespaces/ml/pods/p/status");
}

TEST(ResourceTest, ClusterScopedObjectIgnoresTheNamespace) {
  EXPECT_EQ(*ObjectPath(resources::kCustomResourceDefinitions, "ml", "x.y"),
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x.y");
}

TEST(ResourceTest, SubresourceOfSeveralSegmentsIsCheckedSegmentBySegment) {
  EXPECT_EQ(*ObjectPath(resources::kPods, "ml", "p", "proxy/metrics"),
            "/api/v1/namespaces/ml/pods/p/proxy/metrics");
  EXPECT_EQ(ObjectPath(resources::kPods, "ml", "p", "proxy/../../secrets").status().code(),
            Code::kInvalidArgument);
}

// Each refused segment is InvalidArgument and the message names it, so the
// caller sees which of name, namespace or subresource was wrong.
struct BadSegment {
  const char* case_name;
  const char* ns;
  const char* name;
  const char* subresource;
  const char* message_part;
};

const BadSegment kBadSegments[] = {
    {"EmptyName", "ml", "", "", "name is empty"},
    {"DotName", "ml", ".", "", "name \".\""},
    {"DotDotName", "ml", "..", "", "name \"..\""},
    {"SlashInName", "ml", "a/b", "",
     "name \"a/b\" is not a valid path segment: may not contain '/'"},
    {"PercentInName", "ml", "a%2Fb", "", "may not contain '%'"},
    {"EmptyNamespace", "", "p", "", "namespace is empty"},
    {"DotDotNamespace", "..", "p", "", "namespace \"..\""},
    {"SlashInNamespace", "a/b", "p", "", "namespace \"a/b\""},
    {"DotDotSubresource", "ml", "p", "..", "subresource segment \"..\""},
    {"EmptySubresourceSegment", "ml", "p", "status/", "subresource segment is empty"},
    {"PercentInSubresource", "ml", "p", "st%61tus", "subresource segment \"st%61tus\""},
};

std::string CaseName(const ::testing::TestParamInfo<BadSegment>& info) {
  return info.param.case_name;
}

class ResourceObjectPathRefusesTest : public ::testing::TestWithParam<BadSegment> {};

// Each refused segment is InvalidArgument and the message names it, so the
// caller sees which of name, namespace or subresource was wrong.
TEST_P(ResourceObjectPathRefusesTest, AsInvalidArgumentNamingTheSegment) {
  const BadSegment& c = GetParam();
  Result<std::string> path = ObjectPath(resources::kPods, c.ns, c.name, c.subresource);
  ASSERT_FALSE(path.ok()) << *path;
  EXPECT_EQ(path.status().code(), Code::kInvalidArgument);
  EXPECT_NE(path.status().message().find(c.message_part), std::string::npos)
      << path.status().message();
}

INSTANTIATE_TEST_SUITE_P(Segments, ResourceObjectPathRefusesTest, ::testing::ValuesIn(kBadSegments),
                         CaseName);

TEST(ResourceTest, CollectionPathRefusesABadNamespace) {
  EXPECT_EQ(CollectionPath(resources::kPods, "..").status().code(), Code::kInvalidArgument);
}

TEST(ResourceTest, NameIsPercentEncoded) {
  // ':' is valid in some names (RBAC roles such as system:node) but is not an
  // unreserved character.
  EXPECT_EQ(*ObjectPath(resources::kPods, "ml", "system:node"),
            "/api/v1/namespaces/ml/pods/system%3Anode");
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
