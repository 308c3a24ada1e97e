CREATE TABLE `dicom_instance_attributes` (
	`instance_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`study_id` text NOT NULL,
	`study_instance_uid` text NOT NULL,
	`series_instance_uid` text NOT NULL,
	`sop_instance_uid` text NOT NULL,
	`sop_class_uid` text,
	`modality` text,
	`study_date` text,
	`study_time` text,
	`accession_number` text,
	`study_description` text,
	`series_description` text,
	`series_number` integer,
	`instance_number` integer,
	`rows` integer,
	`columns` integer,
	`number_of_frames` integer,
	`transfer_syntax_uid` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`study_id`) REFERENCES `studies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `dicom_attrs_tenant_study` ON `dicom_instance_attributes` (`tenant_id`,`study_instance_uid`);--> statement-breakpoint
CREATE INDEX `dicom_attrs_tenant_series` ON `dicom_instance_attributes` (`tenant_id`,`series_instance_uid`);--> statement-breakpoint
CREATE INDEX `dicom_attrs_tenant_sop` ON `dicom_instance_attributes` (`tenant_id`,`sop_instance_uid`);--> statement-breakpoint
CREATE INDEX `dicom_attrs_tenant_date` ON `dicom_instance_attributes` (`tenant_id`,`study_date`);