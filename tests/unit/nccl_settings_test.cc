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

NcclSettingsFact Facts(std::vector<NcclSettingFinding> findings) {
  NcclSettingsFact facts;
  for (const NcclSettingFinding& f : findings) {
    facts.in_force[f.variable] = f.value;
  }
  facts.findings = std::move(findings);
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
  const NcclSettingsFact facts = Facts({kNoInterface, kP2pOff});
  for (const NcclTrouble kind : {NcclTrouble::kError, NcclTrouble::kStall}) {
    const NcclFailureCause why = ExplainNcclFailure(
        "ncclGetUniqueId: unhandled system error (Bootstrap : no socket "
        "interface found)",
        facts, kind);
    EXPECT_TRUE(why.explained) << static_cast<int>(kind);
    EXPECT_TRUE(Has(why.cause, "NCCL_SOCKET_IFNAME=nosuch0 matches none"))
        << why.cause;
    EXPECT_TRUE(Has(why.fix, "eth0")) << why.fix;
  }
  // A slow rate is not an init failure: the transport turned off is named.
  const NcclFailureCause slow =
      ExplainNcclFailure("", facts, NcclTrouble::kSlow);
  EXPECT_TRUE(Has(slow.cause, "NCCL_P2P_DISABLE=1")) << slow.cause;
  EXPECT_FALSE(Has(slow.cause, "SOCKET_IFNAME")) << slow.cause;
}

TEST(NcclSettingsTest, AForcedAlgorithmExplainsInvalidUsageOnly) {
  const NcclSettingsFact facts = Facts({kAlgo});
  EXPECT_TRUE(ExplainNcclFailure("communicator init: invalid usage (run with "
                                 "NCCL_DEBUG=WARN for details)",
                                 facts, NcclTrouble::kError)
                  .explained);
  EXPECT_FALSE(ExplainNcclFailure("communicator init: unhandled cuda error",
                                  facts, NcclTrouble::kError)
                   .explained);
}

TEST(NcclSettingsTest, UnexplainedSaysWhatWasInForce) {
  NcclFailureCause why =
      ExplainNcclFailure("unhandled cuda error", {}, NcclTrouble::kError);
  EXPECT_FALSE(why.explained);
  EXPECT_EQ(why.cause, "no NCCL_* setting is in force");
  NcclSettingsFact facts = Facts({});
  facts.in_force["NCCL_DEBUG"] = "INFO";
  why = ExplainNcclFailure("unhandled cuda error", facts, NcclTrouble::kError);
  EXPECT_TRUE(Has(why.cause, "1 NCCL setting(s) in force")) << why.cause;
}

// host.nccl_env's node facts read back as it wrote them; absent where it
// recorded nothing.
TEST(NcclSettingsTest, TheFactRoundTripsThroughTheNodeFacts) {
  const NcclSettingsFact facts = Facts({kNoInterface, kAlgo});
  const auto read = NcclSettingsFact::FromFacts(facts.ToFacts());
  ASSERT_TRUE(read);
  // (Node facts are a plain JSON object: its keys come back sorted.)
  EXPECT_EQ(nlohmann::json(read->in_force), nlohmann::json(facts.in_force));
  ASSERT_EQ(read->findings.size(), 2u);
  EXPECT_TRUE(read->findings[0].breaks_init);
  EXPECT_EQ(read->findings[1].variable, "NCCL_ALGO");
  EXPECT_FALSE(NcclSettingsFact::FromFacts(nlohmann::json::object()));
  EXPECT_THROW(NcclSettingsOf(nlohmann::json::object()), std::logic_error);
}

}  // namespace
}  // namespace preflight
