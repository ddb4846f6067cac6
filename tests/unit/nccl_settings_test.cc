// An NCCL failure tied to the facts that explain it
// (platform/nccl_settings.h): the setting that names nothing here, a
// transport turned off, a forced algorithm, a limit NCCL's error points at.
#include "platform/nccl_settings.h"

#include <gtest/gtest.h>

namespace preflight {
namespace {

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

nlohmann::json Facts(std::vector<NcclSettingFinding> findings) {
  nlohmann::json facts;
  facts["nccl_settings"] = nlohmann::json::object();
  facts["nccl_setting_findings"] = nlohmann::json::array();
  for (const NcclSettingFinding& f : findings) {
    facts["nccl_settings"][f.variable] = f.value;
    facts["nccl_setting_findings"].push_back(nlohmann::json(f.ToJson()));
  }
  return facts;
}

const NcclSettingFinding kNoInterface{
    "NCCL_SOCKET_IFNAME", "nosuch0",
    "matches none of this host's interfaces (eth0, lo)", "Set it to eth0",
    true};
const NcclSettingFinding kP2pOff{"NCCL_P2P_DISABLE", "1",
                                 "turns a transport off", "unset it", false};
const NcclSettingFinding kAlgo{"NCCL_ALGO", "bogus", "overrides NCCL's choice",
                               "unset it", false};

TEST(NcclSettingsTest, ASettingThatNamesNothingExplainsAnyInitFailure) {
  const nlohmann::json facts = Facts({kNoInterface, kP2pOff});
  for (const char* kind : {"error", "stall"}) {
    const NcclFailureCause why = ExplainNcclFailure(
        "ncclGetUniqueId: unhandled system error (Bootstrap : no socket "
        "interface found)",
        facts, kind);
    EXPECT_TRUE(why.explained) << kind;
    EXPECT_TRUE(Has(why.cause, "NCCL_SOCKET_IFNAME=nosuch0 matches none"))
        << why.cause;
    EXPECT_TRUE(Has(why.fix, "eth0")) << why.fix;
  }
  // A slow rate is not an init failure: the transport turned off is named.
  const NcclFailureCause slow = ExplainNcclFailure("", facts, "slow");
  EXPECT_TRUE(Has(slow.cause, "NCCL_P2P_DISABLE=1")) << slow.cause;
  EXPECT_FALSE(Has(slow.cause, "SOCKET_IFNAME")) << slow.cause;
}

TEST(NcclSettingsTest, AForcedAlgorithmExplainsInvalidUsageOnly) {
  const nlohmann::json facts = Facts({kAlgo});
  EXPECT_TRUE(ExplainNcclFailure("communicator init: invalid usage (run with "
                                 "NCCL_DEBUG=WARN for details)",
                                 facts, "error")
                  .explained);
  EXPECT_FALSE(ExplainNcclFailure("communicator init: unhandled cuda error",
                                  facts, "error")
                   .explained);
}

TEST(NcclSettingsTest, UnexplainedSaysWhatWasInForce) {
  NcclFailureCause why =
      ExplainNcclFailure("unhandled cuda error", {}, "error");
  EXPECT_FALSE(why.explained);
  EXPECT_EQ(why.cause, "no NCCL_* setting is in force");
  nlohmann::json facts = Facts({});
  facts["nccl_settings"]["NCCL_DEBUG"] = "INFO";
  why = ExplainNcclFailure("unhandled cuda error", facts, "error");
  EXPECT_TRUE(Has(why.cause, "1 NCCL setting(s) in force")) << why.cause;
}

}  // namespace
}  // namespace preflight
