import { measureCost } from "./bench/cost";
import { acceptedScenario, COST_SCENARIOS } from "./bench/scenarios";
(async () => {
    const ids = process.argv.slice(2);
    const rows = await measureCost({ runs: 12, minMs: 3000, warmup: 2, log: () => {}, scenarios: COST_SCENARIOS.filter((s) => ids.includes(s.id)).map((s) => acceptedScenario(s)) });
    for (const r of rows) console.log(r.scenario.id, "ms", r.ours.ms.toFixed(0), r.baseline.ms.toFixed(0), "time", r.timeRatio.toFixed(2), "cpu", r.cpuRatio.toFixed(2), "alloc", r.allocRatio.toFixed(2), "rss", r.rssRatio.toFixed(2), "regs", r.ours.registrations, r.baseline.registrations);
})();
