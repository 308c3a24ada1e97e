ALTER TABLE `tenants` ADD `claim_seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `tenants_claim_seq` ON `tenants` (`claim_seq`);--> statement-breakpoint
-- Round-robin by tenant for platform runners: every claim (a job becoming leased under a new
-- token) stamps its tenant with the next claim number, in the claim's own statement, so the
-- order never lags behind the claims (hand-written: drizzle-kit does not generate triggers).
CREATE TRIGGER `jobs_claim_stamps_tenant` AFTER UPDATE OF `lease_token` ON `jobs`
WHEN NEW.`status` = 'leased' AND NEW.`lease_token` IS NOT NULL AND NEW.`lease_token` IS NOT OLD.`lease_token` BEGIN
  UPDATE `tenants` SET `claim_seq` = (SELECT COALESCE(MAX(`claim_seq`), 0) + 1 FROM `tenants`) WHERE `id` = NEW.`tenant_id`;
END;
