#include "tracking/ingest.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <limits>

namespace runledger::tracking {
namespace {

namespace od = simdjson::ondemand;

Status Missing(const std::string& field) {
  return InvalidArgument("Missing value for required parameter '" + field +
                         "'. See the API docs for more information about request parameters.");
}

Status Malformed(const std::string& field, std::string_view expected) {
  return InvalidArgument("Invalid value for parameter '" + field + "': expected " +
                         std::string(expected) + ".");
}

Status NotJson(simdjson::error_code e) {
  return InvalidArgument(std::string("Malformed JSON request body: ") + simdjson::error_message(e));
}

// A double from a JSON number or string ("NaN", "Infinity", "-Infinity", "1.5").
bool ReadDouble(od::value v, double& out) {
  od::json_type type;
  if (v.type().get(type)) return false;
  if (type == od::json_type::number) return !v.get_double().get(out);
  if (type != od::json_type::string) return false;
  std::string_view s;
  if (v.get_string().get(s)) return false;
  if (s == "NaN") {
    out = std::numeric_limits<double>::quiet_NaN();
  } else if (s == "Infinity") {
    out = std::numeric_limits<double>::infinity();
  } else if (s == "-Infinity") {
    out = -std::numeric_limits<double>::infinity();
  } else {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
  }
  return true;
}

// An int64 from a JSON integer or decimal string (protobuf's int64 form).
bool ReadInt(od::value v, int64_t& out) {
  od::json_type type;
  if (v.type().get(type)) return false;
  if (type == od::json_type::number) {
    if (!v.get_int64().get(out)) return true;
    // MLflow accepts a whole number written as a double, e.g. 1.7e12.
    double d = 0;
    if (v.get_double().get(d) || d != std::floor(d) || std::abs(d) > 9.2e18) return false;
    out = static_cast<int64_t>(d);
    return true;
  }
  if (type != od::json_type::string) return false;
  std::string_view s;
  if (v.get_string().get(s)) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool ReadString(od::value v, std::string& out) {
  std::string_view s;
  if (v.get_string().get(s)) return false;
  out.assign(s);
  return true;
}

// The fields of one metric, read one at a time: from an element of
// log-batch's "metrics", or from a log-metric body beside its run_id.
struct MetricFields {
  store::Point point;
  bool has_key = false, has_value = false, has_timestamp = false;

  // `where` prefixes field names in messages ("metrics[3]." or "").
  Status Read(std::string_view name, od::value v, const std::string& where) {
    if (name == "key") {
      if (!ReadString(v, point.key)) return Malformed(where + "key", "a string");
      has_key = true;
    } else if (name == "value") {
      if (!ReadDouble(v, point.value)) return Malformed(where + "value", "a number");
      has_value = true;
    } else if (name == "timestamp") {
      if (!ReadInt(v, point.timestamp_ms)) return Malformed(where + "timestamp", "an integer");
      has_timestamp = true;
    } else if (name == "step") {
      if (!ReadInt(v, point.step)) return Malformed(where + "step", "an integer");
    }
    return Status::Ok();
  }
  Status Finish(const std::string& where) const {
    if (!has_key) return Missing(where + "key");
    if (!has_value) return Missing(where + "value");
    if (!has_timestamp) return Missing(where + "timestamp");
    return ValidateMetric(point);
  }
};

Status ReadKeyValues(od::array array, const std::string& what, std::vector<KeyValue>& out) {
  size_t i = 0;
  for (auto element : array) {
    const std::string where = what + "[" + std::to_string(i++) + "].";
    od::object object;
    if (element.get_object().get(object)) return Malformed(what, "a list of objects");
    KeyValue kv;
    bool has_key = false, has_value = false;
    for (auto field : object) {
      std::string_view name;
      if (auto e = field.unescaped_key().get(name)) return NotJson(e);
      od::value v;
      if (auto e = field.value().get(v)) return NotJson(e);
      if (name == "key") {
        if (!ReadString(v, kv.first)) return Malformed(where + "key", "a string");
        has_key = true;
      } else if (name == "value") {
        if (!ReadString(v, kv.second)) return Malformed(where + "value", "a string");
        has_value = true;
      }
    }
    if (!has_key) return Missing(where + "key");
    if (!has_value) return Missing(where + "value");
    out.push_back(std::move(kv));
  }
  return Status::Ok();
}

// One parser per thread: simdjson reuses its buffers between documents.
od::parser& Parser() {
  thread_local od::parser parser;
  return parser;
}

template <typename Body>
Result<LogBatchRequest> Parse(std::string_view body, Body&& read_field) {
  simdjson::padded_string padded(body);
  od::document doc;
  if (auto e = Parser().iterate(padded).get(doc)) return NotJson(e);
  od::object object;
  if (auto e = doc.get_object().get(object)) return NotJson(e);
  LogBatchRequest out;
  for (auto field : object) {
    std::string_view name;
    if (auto e = field.unescaped_key().get(name)) return NotJson(e);
    od::value v;
    if (auto e = field.value().get(v)) return NotJson(e);
    if (name == "run_id" || (name == "run_uuid" && out.run_id.empty())) {
      if (!ReadString(v, out.run_id)) return Malformed(std::string(name), "a string");
    } else {
      RETURN_IF_ERROR(read_field(name, v, out));
    }
  }
  // As MLflow's server ("Extra data"): one document, nothing after it.
  // (simdjson 3.0 has no document::at_end: past the last token the
  // location is OUT_OF_BOUNDS.)
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
    return NotJson(simdjson::TRAILING_CONTENT);
  if (out.run_id.empty()) return Missing("run_id");
  return out;
}

}  // namespace

Result<LogBatchRequest> ParseLogBatch(std::string_view body) {
  ASSIGN_OR_RETURN(
      auto batch, Parse(body, [](std::string_view name, od::value v, LogBatchRequest& out) {
        od::array array;
        if (name == "metrics") {
          if (v.get_array().get(array)) return Malformed("metrics", "a list");
          size_t count = 0;
          for (auto element : array) {
            const size_t index = count++;
            // Past the limit elements are only counted, for the message.
            if (index >= kMaxBatchMetrics) continue;
            const std::string where = "metrics[" + std::to_string(index) + "].";
            od::object metric;
            if (element.get_object().get(metric)) return Malformed("metrics", "a list of objects");
            MetricFields fields;
            for (auto field : metric) {
              std::string_view key;
              if (auto e = field.unescaped_key().get(key)) return NotJson(e);
              od::value value;
              if (auto e = field.value().get(value)) return NotJson(e);
              RETURN_IF_ERROR(fields.Read(key, value, where));
            }
            RETURN_IF_ERROR(fields.Finish(where));
            out.metrics.push_back(std::move(fields.point));
          }
          if (count > kMaxBatchMetrics) return ValidateBatchLimits(count, 0, 0);
        } else if (name == "params" || name == "tags") {
          if (v.get_array().get(array)) return Malformed(std::string(name), "a list");
          RETURN_IF_ERROR(
              ReadKeyValues(array, std::string(name), name == "params" ? out.params : out.tags));
        }
        return Status::Ok();
      }));
  RETURN_IF_ERROR(
      ValidateBatchLimits(batch.metrics.size(), batch.params.size(), batch.tags.size()));
  for (const auto& p : batch.params) RETURN_IF_ERROR(ValidateParam(p));
  for (const auto& t : batch.tags) RETURN_IF_ERROR(ValidateTag(t));
  return batch;
}

Result<LogBatchRequest> ParseLogMetric(std::string_view body) {
  MetricFields fields;
  ASSIGN_OR_RETURN(auto batch,
                   Parse(body, [&](std::string_view name, od::value v, LogBatchRequest&) {
                     return fields.Read(name, v, "");
                   }));
  RETURN_IF_ERROR(fields.Finish(""));
  batch.metrics.push_back(std::move(fields.point));
  return batch;
}

}  // namespace runledger::tracking
